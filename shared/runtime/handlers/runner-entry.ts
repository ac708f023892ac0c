/**
 * The runner's entry logic in AWS, shared by the runner Lambda and the Fargate task (same image):
 * run one try through `execute` and, when the state machine waits on a task token (sensors, Fargate
 * tries), answer it — success with the result, failure with the error's name and message — sending
 * heartbeats while the try runs so Step Functions' HeartbeatSeconds notices a dead container.
 */
import { RunnerEnv } from '../../compiler/resources.js';
import { RunnerAction, type ExecuteRequest, type ExecuteResult, type ResumeWaitRequest } from '../protocol.js';
import type { RuntimeDeps } from './deps.js';
import { execute } from './execute.js';
import { deliverAnswer } from './token-answers.js';
import { WaitHandOff, type WaitContext } from '../executors/types.js';
import { clearWait, handOffWait, resumeWait, type ResumedWait, type ResumeOutcome } from './waits.js';

/** Heartbeats of a token-waiting try. */
export interface Heartbeats {
  send(token: string): Promise<void>;
  everyMs: number;
}

/** The try a Fargate task runs, from its container environment (set by the compiled ecs:runTask state). */
export function executeRequestFromEnv(env: Readonly<Record<string, string | undefined>>): ExecuteRequest & { token?: string } {
  const value = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new Error(`the runner task needs ${name} in its environment`);
    return v;
  };
  const tryNumber = Number(value(RunnerEnv.TRY_NUMBER));
  if (!Number.isInteger(tryNumber) || tryNumber < 1) throw new Error(`${RunnerEnv.TRY_NUMBER} must be a positive integer (got ${JSON.stringify(env[RunnerEnv.TRY_NUMBER])})`);
  const token = env[RunnerEnv.TASK_TOKEN];
  const mapIndexText = env[RunnerEnv.MAP_INDEX];
  const mapIndex = mapIndexText === undefined || mapIndexText === '' ? undefined : Number(mapIndexText);
  if (mapIndex !== undefined && !(Number.isInteger(mapIndex) && mapIndex >= 0)) throw new Error(`${RunnerEnv.MAP_INDEX} must be a non-negative integer (got ${JSON.stringify(mapIndexText)})`);
  return {
    action: RunnerAction.EXECUTE,
    run: { dag_id: value(RunnerEnv.DAG_ID), run_id: value(RunnerEnv.RUN_ID) },
    task_id: value(RunnerEnv.TASK_ID),
    try_number: tryNumber,
    ...(token ? { token } : {}),
    ...(mapIndex !== undefined ? { map_index: mapIndex } : {}),
  };
}

/** Heartbeats of token tries where a WaitScheduler is configured (cloud): every minute, through the token port. */
export const WAIT_HEARTBEAT_EVERY_MS = 60_000;

/**
 * Runs a try. Without a token, the result is the invocation's answer (lambda:invoke). With one, the
 * token is answered here and the invocation's own result does not matter; failures go to the token,
 * so the state machine's Catch routes them to `fail` like any task failure. Where waits can be handed
 * off (deps.waits), a try that would wait past this invocation's budget hands its token on instead
 * (waits.ts) and the token is answered by a later invocation; `resumed` is that later invocation.
 */
export async function runTry(deps: RuntimeDeps, request: ExecuteRequest, heartbeats?: Heartbeats, resumed?: ResumedWait): Promise<ExecuteResult | undefined> {
  const token = request.token;
  if (!token) return execute(deps, request);
  const sendHeartbeat = deps.tokens.sendHeartbeat?.bind(deps.tokens);
  const beats = heartbeats ?? (deps.waits && sendHeartbeat ? { send: sendHeartbeat, everyMs: WAIT_HEARTBEAT_EVERY_MS } : undefined);
  const beat = beats ? setInterval(() => void beats.send(token).catch(() => undefined), beats.everyMs) : undefined;
  beat?.unref?.();
  const wait: WaitContext | undefined = deps.waits
    ? { handOffAfter: new Date(deps.clock().getTime() + deps.waits.budgetMs), ...(resumed ? { resumed: resumed.wait.progress } : {}) }
    : undefined;
  try {
    let result: ExecuteResult;
    try {
      result = await execute(deps, request, wait ? { wait } : {});
    } catch (error) {
      if (error instanceof WaitHandOff) {
        await handOffWait(deps, request, token, error, resumed);
        return undefined;
      }
      const err = error instanceof Error ? error : new Error(String(error));
      if (resumed) await clearWait(deps, request);
      await deliverAnswer(deps, (tokens) => tokens.sendFailure(token, err.name || 'Error', err.message));
      return undefined;
    }
    if (resumed) await clearWait(deps, request);
    // Retried like every token answer (a lost one would leave the state waiting until its heartbeat timeout).
    await deliverAnswer(deps, (tokens) => tokens.sendSuccess(token, result));
    return result;
  } finally {
    if (beat) clearInterval(beat);
  }
}

/** The sensor-poker's entry: one delivery of a wait's one-shot continues the try through runTry (waits.ts). */
export function resumeWaitingTry(deps: RuntimeDeps, request: ResumeWaitRequest): Promise<ResumeOutcome> {
  return resumeWait(deps, request, (execute, resumed) => runTry(deps, execute, undefined, resumed));
}
