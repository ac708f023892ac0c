/**
 * The runner Lambda: one try of a task (bash, Python, builtin operators, a sensor's pokes) from the
 * run version's source bundle. `lambda:invoke` states get the result back; sensors
 * (`.waitForTaskToken`) pass their token and the runner answers it (shared/runtime/handlers/runner-entry.ts).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { runTry } from '../shared/runtime/handlers/runner-entry.js';
import type { ExecuteRequest, ExecuteResult } from '../shared/runtime/protocol.js';
import { useCloudEnvironment } from './cloud-root.js';
import { runtime } from './runtime.js';

export function createRunnerHandler(getDeps: () => Promise<RuntimeDeps>) {
  return middy<ExecuteRequest, ExecuteResult | undefined, Error, Context>(async (request: ExecuteRequest) => runTry(await getDeps(), request));
}

export const handler = createRunnerHandler(() => runtime.get());

useCloudEnvironment('runner');
