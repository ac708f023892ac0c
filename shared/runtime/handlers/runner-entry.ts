/**
 * The runner's entry logic in AWS, shared by the runner Lambda and the Fargate task (same image):
 * run one try through `execute` and, when the state machine waits on a task token (sensors, Fargate
 * tries), answer it — success with the result, failure with the error's name and message — sending
 * heartbeats while the try runs so Step Functions' HeartbeatSeconds notices a dead container.
 */
import { RunnerEnv } from '../../compiler/resources.js';
import { RunnerAction, type ExecuteRequest, type ExecuteResult } from '../protocol.js';
import type { RuntimeDeps } from './deps.js';
import { execute } from './execute.js';
import { deliverAnswer } from './token-answers.js';

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

/**
 * Runs a try. Without a token, the result is the invocation's answer (lambda:invoke). With one, the
 * token is answered here and the invocation's own result does not matter; failures go to the token,
 * so the state machine's Catch routes them to `fail` like any task failure.
 */
export async function runTry(deps: RuntimeDeps, request: ExecuteRequest, heartbeats?: Heartbeats): Promise<ExecuteResult | undefined> {
  const token = request.token;
  if (!token) return execute(deps, request);
  const beat = heartbeats ? setInterval(() => void heartbeats.send(token).catch(() => undefined), heartbeats.everyMs) : undefined;
  beat?.unref?.();
  try {
    let result: ExecuteResult;
    try {
      result = await execute(deps, request);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      await deliverAnswer(deps, (tokens) => tokens.sendFailure(token, err.name || 'Error', err.message));
      return undefined;
    }
    // Retried like every token answer (a lost one would leave the state waiting until its heartbeat timeout).
    await deliverAnswer(deps, (tokens) => tokens.sendSuccess(token, result));
    return result;
  } finally {
    if (beat) clearInterval(beat);
  }
}
