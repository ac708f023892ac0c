/**
 * GET /api/v1/dagStats?dag_ids=a,b — Airflow 2.7's DAG-run state counts per DAG, plus what the
 * console's DAG list shows beside each DAG (skydag additions): the last run (newest logical date) and
 * the task-state counts of the recent runs (the newest run and any other run still going, as
 * Airflow's "Recent Tasks" column counts them).
 */
import type { DagRunRecord } from '../../model/records.js';
import { DAG_RUN_STATES, isDagRunFinished } from '../../runtime/states.js';
import { badRequest } from '../problem.js';
import { defineRoute } from '../route.js';
import { serializeDagRun } from '../serialize.js';
import { requireDag } from './common.js';

/** At most this many DAGs per request (one page of the DAG list). */
export const MAX_DAG_STATS_IDS = 100;

/** `dag_ids=a,b` or repeated `dag_ids=a&dag_ids=b`, de-duplicated, in the order given. */
export function dagIdsParam(values: readonly string[] | undefined): string[] {
  const ids = [...new Set((values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
  if (ids.length === 0) throw badRequest('dag_ids is required: one or more DAG ids, comma-separated');
  if (ids.length > MAX_DAG_STATS_IDS) throw badRequest(`at most ${MAX_DAG_STATS_IDS} dag_ids per request (got ${ids.length})`);
  return ids;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** The runs whose task states "Recent Tasks" counts: the newest run, and every unfinished one. */
export function recentRuns(runs: readonly DagRunRecord[]): DagRunRecord[] {
  const [newest] = runs;
  return runs.filter((r) => r === newest || !isDagRunFinished(r.state));
}

export const dagStatsRoutes = [
  defineRoute<{ dag_ids?: string[] }, unknown>({
    id: 'get_dag_stats',
    method: 'GET',
    path: '/api/v1/dagStats',
    access: { permissions: ['read:dags', 'read:dag_runs', 'read:task_instances'] },
    dags: 'listed',
    summary: 'DAG-run state counts per DAG, with the last run and recent task states (skydag additions).',
    query: { type: 'object', properties: { dag_ids: { type: 'array', items: { type: 'string' } } } },
    async handle({ deps, dags: access, query }) {
      const ids = dagIdsParam(query.dag_ids);
      const dags = [];
      for (const dagId of ids) {
        // A DAG the caller may not read answers as one that does not exist (404), or 403 when it is visible.
        await access.require(dagId, 'can_read');
        const dag = await requireDag(deps, dagId);
        const runs = await deps.store.listDagRuns(dag.dag_id);
        const runStates = countBy(runs, (r) => r.state);
        const taskStates = new Map<string, number>();
        for (const run of recentRuns(runs)) {
          for (const [state, n] of countBy(await deps.store.listTaskInstances(run.dag_id, run.run_id), (ti) => ti.state ?? 'none')) {
            taskStates.set(state, (taskStates.get(state) ?? 0) + n);
          }
        }
        dags.push({
          dag_id: dag.dag_id,
          stats: DAG_RUN_STATES.map((state) => ({ state, count: runStates.get(state) ?? 0 })),
          // skydag
          last_dag_run: runs[0] ? serializeDagRun(runs[0]) : null,
          recent_task_states: [...taskStates].map(([state, count]) => ({ state, count })).sort((a, b) => a.state.localeCompare(b.state)),
        });
      }
      return { dags, total_entries: dags.length };
    },
  }),
];
