/**
 * Planning the DAG version history of an import: each DAG the archive's files define gets back the
 * versions it had (same ids, creation times, files' text and git provenance). They are written
 * before the files: a store keeps the first record of a (dag_id, version), so when the platform then
 * reads a file and finds the version it already had, the archived record (with its time) stands and
 * its runs, listings and diffs show the history as it was.
 */
import type { JsonSchema } from '../api/validation.js';
import type { DagVersionRecord } from '../model/records.js';
import { schemaProblems } from '../validation/schema-check.js';
import { TransferError, type TransferDeps } from './layout.js';
import type { Plan } from './plan.js';

/** One archived version as export writes it (layout.ts). */
export interface VersionDoc {
  version: string;
  created_at: string;
  fileloc: string;
  bundle?: string;
  source: string | null;
  git: DagVersionRecord['git'] | null;
  model: unknown;
}

const gitSchema: JsonSchema = {
  type: ['object', 'null'],
  properties: { repository: { type: 'string', maxLength: 2000 }, branch: { type: 'string', maxLength: 500 }, commit: { type: 'string', pattern: '^[0-9a-f]{7,64}$' }, user: { type: 'string', maxLength: 256 } },
  required: ['repository', 'branch', 'commit', 'user'],
  additionalProperties: false,
};

export const VERSIONS_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      version: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' },
      created_at: { type: 'string', format: 'date-time' },
      fileloc: { type: 'string', minLength: 1, maxLength: 500 },
      bundle: { type: 'string', pattern: '^[0-9a-f]{16,128}$' },
      source: { type: ['string', 'null'], maxLength: 2 * 1024 * 1024 },
      git: gitSchema,
      model: { type: 'object' },
    },
    required: ['version', 'created_at', 'fileloc', 'source', 'git', 'model'],
    additionalProperties: false,
  },
};

/**
 * Checks each DAG's archived versions (a known DAG of the archive, models that are DAG models of that
 * DAG, no version twice) and plans writing the ones the target does not have.
 */
export async function planDagVersions(deps: TransferDeps, histories: ReadonlyMap<string, readonly VersionDoc[]>, archivedDags: ReadonlySet<string>, plan: Plan): Promise<void> {
  const records: DagVersionRecord[] = [];
  for (const [dagId, history] of histories) {
    const where = `dags/versions/${dagId}.json`;
    if (!archivedDags.has(dagId)) throw new TransferError(`${where}: DAG '${dagId}' is not one of the archive's DAGs (dags/dags.json)`);
    const seen = new Set<string>();
    for (const doc of history) {
      if (seen.has(doc.version)) throw new TransferError(`${where}: version '${doc.version}' is listed twice`);
      seen.add(doc.version);
      const problems = schemaProblems(doc.model);
      if (problems.length) throw new TransferError(`${where}: the model of version '${doc.version}' is not a DAG model: ${problems.join('; ')}`);
      const model = doc.model as DagVersionRecord['model'];
      if (model.dag_id !== dagId) throw new TransferError(`${where}: version '${doc.version}' is a model of DAG '${model.dag_id}'`);
      const existing = await deps.store.getDagVersion(dagId, doc.version);
      if (existing) {
        plan.report.changes.dag_versions.unchanged.push(`${dagId}@${doc.version}`);
        continue;
      }
      plan.report.changes.dag_versions.create.push(`${dagId}@${doc.version}`);
      records.push({
        dag_id: dagId,
        version: doc.version,
        created_at: new Date(doc.created_at).toISOString(),
        fileloc: doc.fileloc,
        ...(doc.bundle ? { bundle: doc.bundle } : {}),
        model,
        ...(doc.source !== null ? { source: doc.source } : {}),
        ...(doc.git ? { git: doc.git } : {}),
      });
    }
  }
  if (!records.length) return;
  // Versions are immutable history: the store has no way to take one back, so an import that fails
  // later leaves these records (of no DAG's current version, unless its file came back as it was).
  plan.writes.push(async () => {
    for (const record of records) await deps.store.putDagVersion(record);
    return async () => undefined;
  });
}
