/** Lookups shared by the route handlers, with Airflow's 404 titles and details. */
import type { DagRecord, DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import type { DagAccess } from '../auth/dag-access.js';
import { dagNotFound } from '../auth/dag-access.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../problem.js';

/** `~` in a list endpoint's dag_id / dag_run_id / task_id means "all" (Airflow's wildcard). */
export const WILDCARD = '~';

export async function requireDag(deps: ApiDeps, dagId: string): Promise<DagRecord> {
  const dag = await deps.store.getDag(dagId);
  if (!dag) throw dagNotFound(dagId);
  return dag;
}

/** The model of a DAG version (the run's, or the DAG's current one). */
export async function modelOf(deps: ApiDeps, dagId: string, version: string | null | undefined): Promise<Dag | undefined> {
  if (!version) return undefined;
  return (await deps.store.getDagVersion(dagId, version))?.model;
}

export async function requireModel(deps: ApiDeps, dag: DagRecord): Promise<Dag> {
  const model = await modelOf(deps, dag.dag_id, dag.current_version);
  if (!model) throw notFound('DAG not found', `DAG with dag_id: '${dag.dag_id}' has no parsed version`);
  return model;
}

export async function requireRun(deps: ApiDeps, dagId: string, runId: string): Promise<DagRunRecord> {
  const run = await deps.store.getDagRun(dagId, runId);
  if (!run) throw notFound('DAGRun not found', `DAGRun with DAG ID: '${dagId}' and DagRun ID: '${runId}' not found`);
  return run;
}

/** A task instance; `mapIndex` ≥ 0: one index of a mapped task. */
export async function requireTaskInstance(deps: ApiDeps, dagId: string, runId: string, taskId: string, mapIndex = -1): Promise<TaskInstanceRecord> {
  const ti = mapIndex >= 0 ? await deps.store.getMappedTaskInstance(dagId, runId, taskId, mapIndex) : await deps.store.getTaskInstance(dagId, runId, taskId);
  const which = mapIndex >= 0 ? `, task ID: '${taskId}' and map index: '${mapIndex}'` : ` and task ID: '${taskId}'`;
  if (!ti) throw notFound('Task instance not found', `Task instance with DAG ID: '${dagId}', DagRun ID: '${runId}'${which} not found`);
  return ti;
}

/** Every DAG the platform knows, active or not, whoever asks: only for platform-wide aggregates (pool usage). */
export async function allDags(deps: ApiDeps): Promise<DagRecord[]> {
  return (await deps.store.listDags({ includeInactive: true })).items;
}

/**
 * The runs of one DAG, or for `~` of every DAG the caller may read. A single DAG was already
 * authorized by the dispatcher (its route names it by {dag_id}).
 */
export async function runsOf(deps: ApiDeps, access: DagAccess, dagId: string, states?: readonly string[]): Promise<DagRunRecord[]> {
  const dagIds = dagId === WILDCARD ? (await access.dags('can_read')).map((d) => d.dag_id) : [dagId];
  const runs: DagRunRecord[] = [];
  for (const id of dagIds) runs.push(...(await deps.store.listDagRuns(id, states?.length ? { states } : {})));
  return runs;
}

/** Files with import errors (small: one record per broken file). */
export async function importErrorFiles(deps: ApiDeps): Promise<Set<string>> {
  return new Set((await deps.store.listImportErrors()).items.map((e) => e.filename));
}

/** Ids for the audit record: a wildcard is no id. */
export function auditId(value: string | undefined): string | null {
  return value === undefined || value === WILDCARD ? null : value;
}
