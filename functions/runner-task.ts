/**
 * The Fargate entry of the runner image (tries longer than Lambda allows): the compiled
 * `ecs:runTask.waitForTaskToken` state puts the try and its token in the container's environment;
 * this runs the try, heartbeats every minute while it runs, answers the token and exits.
 *
 *   node runner-task.mjs   (the container's command; its ports come from the composition root, cloud-root.ts)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { executeRequestFromEnv, runTry, type Heartbeats } from '../shared/runtime/handlers/runner-entry.js';
import { SfnTaskTokens } from '../shared/aws/step-functions.js';
import { cloud, useCloudEnvironment } from './cloud-root.js';
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

// Run as the container's command: the try named by the environment, heartbeats through Step Functions.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  useCloudEnvironment('runner-task');
  const tokens = cloud.get().then((context) => new SfnTaskTokens(context.clients.sfn));
  main(async (token) => (await tokens).sendHeartbeat(token)).catch((error: unknown) => {
    console.error(`skydag runner task: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
