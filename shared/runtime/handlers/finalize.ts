/**
 * finalize: after every task block ended (or the Parallel state failed), compute the run state —
 * failed iff a leaf task failed or is upstream_failed — record it and run the DAG callback.
 */
import { DagRunState } from '../states.js';
import type { FinalizeRequest, FinalizeResult } from '../protocol.js';
import { evaluateRunState } from '../run-state.js';
import { stateOfTi } from './advance.js';
import { runDagCallback } from './callbacks.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext } from './run-context.js';

export async function finalize(deps: RuntimeDeps, request: FinalizeRequest): Promise<FinalizeResult> {
  const ctx = await loadRunContext(deps, request.run);
  const tis = await deps.store.listTaskInstances(ctx.run.dag_id, ctx.run.run_id);
  const states = new Map(tis.map((ti) => [ti.task_id, stateOfTi(ti)]));
  const evaluated = evaluateRunState(ctx.index, states);
  // Every block has ended, so anything still unfinished can no longer run: the run failed.
  const state = evaluated.state === DagRunState.SUCCESS ? DagRunState.SUCCESS : DagRunState.FAILED;
  await deps.store.updateDagRun(ctx.run.dag_id, ctx.run.run_id, { state, end_date: deps.clock().toISOString() });
  const lastTi = [...tis].sort((a, b) => (b.end_date ?? '').localeCompare(a.end_date ?? ''))[0];
  await runDagCallback(deps, { ...ctx, run: { ...ctx.run, state } }, state === DagRunState.SUCCESS ? 'on_success_callback' : 'on_failure_callback', lastTi);
  return { state: state === DagRunState.SUCCESS ? 'success' : 'failed' };
}
