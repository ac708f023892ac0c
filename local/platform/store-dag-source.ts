/**
 * The DAG source of the local platform: DAG models come from the metadata store (a version per
 * deployed file content), and each version's state machines are compiled and registered in the local
 * engine the first time a run needs them — as each upload publishes a new state machine version in
 * the cloud. Runs keep executing the version they were created with, its model and its source bundle
 * (the files the sync froze with the version, extracted from the blob store on first use).
 */
import type { BundleCache } from '../../shared/bundles/bundle-cache.js';
import { compileDag } from '../../shared/compiler/compile.js';
import type { DagVersionRecord } from '../../shared/model/records.js';
import type { Dag } from '../../shared/model/schema.js';
import type { DagSource, SourceLocation } from '../../shared/runtime/handlers/deps.js';
import type { DagStore } from '../../shared/stores/metadata.js';
import { bundleSourceLocation, liveSourceLocation } from '../engine/local-dag-source.js';
import type { LocalEngine } from '../engine/local-engine.js';

export class StoreDagSource implements DagSource {
  private readonly records = new Map<string, DagVersionRecord>();
  private readonly machines = new Map<string, string>();

  constructor(
    private readonly store: DagStore,
    private readonly engine: LocalEngine,
    private readonly dagsFolder: string,
    private readonly bundles: BundleCache,
  ) {}

  async currentVersion(dagId: string): Promise<string | null> {
    return (await this.store.getDag(dagId))?.current_version ?? null;
  }

  async getDag(dagId: string, version?: string | null): Promise<Dag | undefined> {
    return (await this.versionRecord(dagId, version))?.model;
  }

  private async versionRecord(dagId: string, version?: string | null): Promise<DagVersionRecord | undefined> {
    const v = version ?? (await this.currentVersion(dagId));
    if (!v) return undefined;
    const key = `${dagId}@${v}`;
    const cached = this.records.get(key);
    if (cached) return cached;
    const record = await this.store.getDagVersion(dagId, v);
    if (!record) return undefined;
    this.records.set(key, record);
    return record;
  }

  async stateMachineFor(dagId: string, version?: string | null): Promise<string> {
    const v = version ?? (await this.currentVersion(dagId));
    const key = `${dagId}@${v}`;
    const known = this.machines.get(key);
    if (known) return known;
    const dag = await this.getDag(dagId, v);
    if (!dag || !v) throw new Error(`DAG '${dagId}' (version ${v ?? 'current'}) is not registered`);
    const name = this.engine.register(compileDag(dag), v);
    this.machines.set(key, name);
    return name;
  }

  async sourceLocation(dag: Dag, version?: string | null): Promise<SourceLocation> {
    return versionSourceLocation(dag, version ? (await this.versionRecord(dag.dag_id, version))?.bundle : undefined, this.dagsFolder, this.bundles);
  }
}

/** Where a version's files are: its source bundle (extracted on first use); versions stored before bundles existed run from the live folder. */
export async function versionSourceLocation(dag: Dag, bundle: string | undefined, dagsFolder: string, bundles: BundleCache): Promise<SourceLocation> {
  if (!bundle) return liveSourceLocation(dagsFolder, dag);
  return bundleSourceLocation(await bundles.folder(bundle), dag, dagsFolder);
}
