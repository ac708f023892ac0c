/**
 * The control Lambda: prepare / complete / fail / finalize / start_child / submit_spark, invoked by
 * the compiled state machines (`lambda:invoke`, and `.waitForTaskToken` for prepare). A thin middy
 * adapter over `handleControl`; its ports come from the composition root (cloud-root.ts).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { handleControl, type ControlRequest } from '../shared/runtime/handlers/control.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { useCloudEnvironment } from './cloud-root.js';
import { runtime } from './runtime.js';

export function createControlHandler(getDeps: () => Promise<RuntimeDeps>) {
  return middy<ControlRequest, unknown, Error, Context>(async (request: ControlRequest) => handleControl(await getDeps(), request));
}

export const handler = createControlHandler(() => runtime.get());

useCloudEnvironment('control');
