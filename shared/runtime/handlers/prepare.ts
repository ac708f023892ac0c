/** prepare: a task's block starts; record its token, then decide it if its upstream tasks allow. */
import { ConditionFailedError } from '../../stores/metadata.js';
import type { PrepareRequest } from '../protocol.js';
import { advance, decidedAnswer } from './advance.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext, loadTaskInstance } from './run-context.js';
import { deliverAnswer } from './token-answers.js';

export async function prepare(deps: RuntimeDeps, request: PrepareRequest): Promise<void> {
  if (!request.token) throw new Error('prepare needs a task token (it runs as a waitForTaskToken state)');
  const ctx = await loadRunContext(deps, request.run);
  try {
    await deps.store.updateTaskInstance(request.run.dag_id, request.run.run_id, request.task_id, { token: request.token }, { decisionAbsent: true });
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err;
    // A redelivered prepare for a task already decided: answer the new token with that decision.
    const ti = await loadTaskInstance(deps, request.run, request.task_id);
    const token = request.token;
    const decided = await decidedAnswer(deps, ctx, ti, ti.decision ?? 'skip');
    await deliverAnswer(deps, (tokens) => tokens.sendSuccess(token, decided));
    return;
  }
  await advance(deps, ctx, [request.task_id]);
}
