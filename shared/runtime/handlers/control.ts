/** The control-plane entry point: one handler per action (the Lambda adapter and the local engine call this). */
import { TaskNotRunnableError } from '../executors/types.js';
import { ControlAction, type PrepareRequest, type PrepareIndexRequest, type CompleteRequest, type FailRequest, type FinalizeRequest, type StartChildRequest, type SubmitSparkRequest } from '../protocol.js';
import { startChild } from './child-runs.js';
import { complete } from './complete.js';
import type { RuntimeDeps } from './deps.js';
import { fail } from './fail.js';
import { finalize } from './finalize.js';
import { prepareIndex } from './mapped.js';
import { prepare } from './prepare.js';
import { submitSpark } from './submit-spark.js';

export type ControlRequest = PrepareRequest | PrepareIndexRequest | CompleteRequest | FailRequest | FinalizeRequest | StartChildRequest | SubmitSparkRequest;

export async function handleControl(deps: RuntimeDeps, request: ControlRequest): Promise<unknown> {
  switch (request.action) {
    case ControlAction.PREPARE:
      return prepare(deps, request);
    case ControlAction.PREPARE_INDEX:
      return prepareIndex(deps, request);
    case ControlAction.COMPLETE:
      return complete(deps, request);
    case ControlAction.FAIL:
      return fail(deps, request);
    case ControlAction.FINALIZE:
      return finalize(deps, request);
    case ControlAction.START_CHILD:
      return startChild(deps, request);
    case ControlAction.SUBMIT_SPARK:
      return submitSpark(deps, request);
    default:
      throw new TaskNotRunnableError(`unknown control action ${JSON.stringify((request as { action?: unknown }).action)}`);
  }
}
