/**
 * The sensor-poker Lambda: what a token wait's one-shot schedule invokes (EventBridge Scheduler
 * `at()`, input a ResumeWaitRequest). It claims the wait's next invocation, heartbeats the waiting
 * state and continues the try — the sensor pokes again, the Livy batch is polled again — answering
 * its task token or handing the wait on (shared/runtime/handlers/waits.ts). Runs in the runner image:
 * Python sensors poke through the shim. A twin or late delivery finds its invocation claimed and
 * does nothing.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { resumeWaitingTry } from '../shared/runtime/handlers/runner-entry.js';
import type { ResumeOutcome } from '../shared/runtime/handlers/waits.js';
import type { ResumeWaitRequest } from '../shared/runtime/protocol.js';
import { useCloudEnvironment } from './cloud-root.js';
import { runtime } from './runtime.js';

export function createSensorPokerHandler(getDeps: () => Promise<RuntimeDeps>) {
  return middy<ResumeWaitRequest, { outcome: ResumeOutcome }, Error, Context>(async (request: ResumeWaitRequest) => ({ outcome: await resumeWaitingTry(await getDeps(), request) }));
}

export const handler = createSensorPokerHandler(() => runtime.get());

useCloudEnvironment('sensor-poker');
