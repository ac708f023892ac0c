/**
 * The Fargate entry of the runner image (tries longer than Lambda allows): the compiled
 * `ecs:runTask.waitForTaskToken` state puts the try and its token in the container's environment;
 * this runs the try, heartbeats every minute while it runs, answers the token and exits.
 *
 *   node runner-task.mjs   (the composition root calls configureRuntime first, then runTaskFromEnvironment)
 */
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { executeRequestFromEnv, runTry, type Heartbeats } from '../shared/runtime/handlers/runner-entry.js';
import { runtime } from './runtime.js';

export const HEARTBEAT_EVERY_MS = 60_000;

/** Runs the try the environment names; the exit code is 0 once the token is answered (success or failure). */
export async function runTaskFromEnvironment(env: NodeJS.ProcessEnv, deps: RuntimeDeps, heartbeat: Heartbeats['send']): Promise<number> {
  const request = executeRequestFromEnv(env);
  if (!request.token) throw new Error('the runner task needs SKYDAG_TASK_TOKEN in its environment');
  await runTry(deps, request, { send: heartbeat, everyMs: HEARTBEAT_EVERY_MS });
  return 0;
}

export async function main(heartbeat: Heartbeats['send']): Promise<void> {
  process.exitCode = await runTaskFromEnvironment(process.env, await runtime.get(), heartbeat);
}
