/**
 * Runs asked for before their DAG file is deployed (AWS): the API writes a generated DAG file (an EDA
 * profiling DAG) into the DAGs bucket and wants a run of exactly that file, but the file becomes a DAG
 * version only when the bucket's deployer has parsed it and deployed its state machines, seconds
 * later. Instead of refusing ("not deployed yet, try again"), the API records the run it wants here —
 * with the SHA-256 of the file's text — and the deployer, right after it has recorded the versions of
 * the file, triggers it through the same launcher the API uses (the run then starts like any manual
 * run). A pending run waits for the version whose source is the text it was asked with, so a file
 * changed in the meantime does not run the wrong version.
 *
 * No wake-up is lost: the API writes the file, then the pending run, then looks at the DAG's version
 * again (`deployedWithSource`); the deployer records the version, then lists the pending runs. Either
 * the API's second look sees the version (and the API triggers), or the deployer's listing sees the
 * pending run — or both, and then the run's fixed id makes the second trigger a no-op
 * (DagRunExistsError). A pending run that no deployment satisfies (the file failed to import, or was
 * changed again before being deployed) is dropped after {@link PENDING_RUN_TTL_MS}, or at once when the
 * deployer reports the file's import error.
 *
 * Stored as JSON in the artifacts bucket under `deploy/pending-runs/<dag_id>/<run_id>.json`; they hold
 * no secret (a run's conf is sealed by the launcher when the run is created, as for any trigger).
 */
import { createHash } from 'node:crypto';
import type { DagRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import type { BlobStore } from '../stores/blob.js';
import { DagRunExistsError, type MetadataStore } from '../stores/metadata.js';
import type { RunLauncher } from '../api/ports.js';

export const PENDING_RUN_TTL_MS = 60 * 60 * 1000;
const PREFIX = 'deploy/pending-runs/';

export interface PendingRun {
  dag_id: string;
  run_id: string;
  logical_date: string;
  conf: Record<string, unknown>;
  note: string | null;
  /** The DAG file (relative path in the DAGs folder/bucket). */
  fileloc: string;
  /** SHA-256 (hex) of the file's text the run is for. */
  source_sha256: string;
  requested_at: string;
}

export const sourceDigest = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The DAG as deployed when its current version was read from exactly `sourceSha256` (and is active),
 * else undefined: not deployed yet, or deployed from other text.
 */
export async function deployedWithSource(store: Pick<MetadataStore, 'getDag' | 'getDagVersion'>, dagId: string, sourceSha256: string): Promise<{ record: DagRecord; model: Dag } | undefined> {
  const record = await store.getDag(dagId);
  if (!record?.is_active) return undefined;
  const version = await store.getDagVersion(dagId, record.current_version);
  if (version?.source === undefined || sourceDigest(version.source) !== sourceSha256) return undefined;
  return { record, model: version.model };
}

/** What delivering a pending run needs: the store, and starting runs as the API does. */
export interface PendingRunTarget {
  store: MetadataStore;
  launcher: RunLauncher;
  /** Starts the DAG's queued runs (a run created by an earlier, interrupted delivery is started again). */
  startQueued(dag: { record: DagRecord; model: Dag }): Promise<void>;
}

export interface DeliveryReport {
  triggered: string[];
  dropped: string[];
}

const segment = (value: string) => encodeURIComponent(value);

export class PendingRuns {
  constructor(
    private readonly blobs: BlobStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private key(dagId: string, runId: string): string {
    return `${PREFIX}${segment(dagId)}/${segment(runId)}.json`;
  }

  async add(run: Omit<PendingRun, 'requested_at'>): Promise<PendingRun> {
    const pending: PendingRun = { ...run, requested_at: this.clock().toISOString() };
    await this.blobs.put(this.key(run.dag_id, run.run_id), JSON.stringify(pending), { contentType: 'application/json' });
    return pending;
  }

  async remove(dagId: string, runId: string): Promise<void> {
    await this.blobs.delete(this.key(dagId, runId));
  }

  /** The pending runs of one DAG, or of every DAG. */
  async list(dagId?: string): Promise<PendingRun[]> {
    const prefix = dagId === undefined ? PREFIX : `${PREFIX}${segment(dagId)}/`;
    const out: PendingRun[] = [];
    for (const blob of (await this.blobs.list(prefix)).blobs) {
      const body = await this.blobs.get(blob.key);
      if (body) out.push(JSON.parse(body.toString('utf8')) as PendingRun);
    }
    return out.sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  }

  /**
   * After a deployment: triggers the pending runs of `dagIds` whose text is now the deployed version's,
   * and drops those of `failedFiles` (import errors) and those older than the TTL.
   */
  async deliver(target: PendingRunTarget, dagIds: readonly string[], failedFiles: readonly string[] = []): Promise<DeliveryReport> {
    const report: DeliveryReport = { triggered: [], dropped: [] };
    const failed = new Set(failedFiles);
    const now = this.clock().getTime();
    const pending = failed.size > 0 ? await this.list() : (await Promise.all([...new Set(dagIds)].map((id) => this.list(id)))).flat();
    for (const run of pending) {
      const name = `${run.dag_id}/${run.run_id}`;
      const dag = await deployedWithSource(target.store, run.dag_id, run.source_sha256);
      if (!dag) {
        if (failed.has(run.fileloc) || now - Date.parse(run.requested_at) > PENDING_RUN_TTL_MS) {
          await this.remove(run.dag_id, run.run_id);
          report.dropped.push(name);
        }
        continue;
      }
      try {
        await target.launcher.trigger(dag, { runId: run.run_id, logicalDate: new Date(run.logical_date), conf: run.conf, note: run.note });
      } catch (error) {
        if (!(error instanceof DagRunExistsError)) throw error;
        // Created already (by the API's second look, or a delivery that died before removing this): make sure it starts.
        if (!dag.record.is_paused) await target.startQueued(dag);
      }
      await this.remove(run.dag_id, run.run_id);
      report.triggered.push(name);
    }
    return report;
  }
}
