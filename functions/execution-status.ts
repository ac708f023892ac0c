/**
 * The execution-status Lambda: an EventBridge rule on "Step Functions Execution Status Change"
 * (FAILED, TIMED_OUT, ABORTED) of skydag's machines delivers the event here, and the run whose
 * execution it was is finalized with the engine error if it is still running
 * (shared/runtime/handlers/execution-status.ts). Delivered twice, the second finds the run finished.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { onExecutionStatusChange, type ExecutionStatusEvent, type ExecutionStatusOutcome } from '../shared/runtime/handlers/execution-status.js';
import { runtime } from './runtime.js';
import { useCloudEnvironment } from './cloud-root.js';

export function createExecutionStatusHandler(getDeps: () => Promise<RuntimeDeps>) {
  return middy<ExecutionStatusEvent, ExecutionStatusOutcome, Error, Context>(async (event: ExecutionStatusEvent) => onExecutionStatusChange(await getDeps(), event));
}

export const handler = createExecutionStatusHandler(() => runtime.get());

useCloudEnvironment('execution-status');
