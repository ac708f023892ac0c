/**
 * submit_spark: the first state of a Spark task. Resolves the task's config group (changes apply to
 * tries that start afterwards) and decides the backend. Livy and local spark-submit are the runner's
 * (it marks the try running and does everything there); for EMR and EMR Serverless this handler is
 * the try's start: it marks the task running, renders its templated fields, builds the submission
 * and returns the request Step Functions sends (`addStep.sync` / `startJobRun.sync`).
 * Without Spark deps (a runtime built without config groups) everything runs locally.
 */
import { TaskFailedError } from '../executors/types.js';
import type { SubmitSparkRequest, SubmitSparkResult } from '../protocol.js';
import { TaskState } from '../states.js';
import { prepareSubmission } from '../../spark/executor.js';
import { sparkSubmission } from '../../spark/submission.js';
import { taskConfigGroup } from '../../spark/submit-spec.js';
import type { RuntimeDeps } from './deps.js';
import { executionBase } from './execution-request.js';
import { loadRunContext, loadTaskInstance, taskInstanceAccess } from './run-context.js';
import { configGroupRecorder } from './config-group-record.js';
import { createTryMasker, maskedTaskLog } from './try-secrets.js';

export async function submitSpark(deps: RuntimeDeps, request: SubmitSparkRequest): Promise<SubmitSparkResult> {
  if (!deps.spark) return { backend: 'local' };
  const ctx = await loadRunContext(deps, request.run);
  const task = ctx.task(request.task_id);
  let engine;
  try {
    engine = (await deps.spark.groups.resolve(taskConfigGroup(task))).engine.type;
  } catch (error) {
    throw new TaskFailedError((error as Error).message);
  }
  if (engine === 'livy' || engine === 'local') return { backend: engine };

  const queued = await loadTaskInstance(deps, request.run, request.task_id);
  if (queued.try_number !== request.try_number) throw new TaskFailedError(`try ${request.try_number} of ${request.task_id} is stale (current try ${queued.try_number})`);
  const ti = await deps.store.updateTaskInstance(ctx.run.dag_id, ctx.run.run_id, task.task_id, { state: TaskState.RUNNING, start_date: deps.clock().toISOString(), end_date: null, hostname: deps.hostname }, { tryNumber: request.try_number });
  const masker = createTryMasker(ctx.run);
  const log = maskedTaskLog(deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, ti.try_number), masker);
  try {
    log.info(`Executing <Task(${task.operator}): ${task.task_id}> on ${ctx.run.logical_date} (run ${ctx.run.run_id})`);
    const base = await executionBase(deps, ctx, ti, false, masker);
    let args;
    try {
      args = await deps.render({ ...base, log });
    } catch (err) {
      throw new TaskFailedError(`rendering templated fields failed: ${(err as Error).message}`);
    }
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { rendered_fields: masker.redact(args) as Record<string, unknown> }, { tryNumber: ti.try_number });
    const update = taskInstanceAccess(deps, request.run, task.task_id, undefined).update;
    const { group, spec } = await prepareSubmission(deps.spark, { task, args, run: ctx.run, log, services: configGroupRecorder(update, ti.try_number) });
    const result = sparkSubmission(group, spec, deps.spark.locate, { dag_id: ti.dag_id, run_id: ti.run_id, task_id: ti.task_id, try_number: ti.try_number });
    log.info(result.backend === 'emr' ? `Submitting an EMR step to cluster ${group.engine.type === 'emr' ? group.engine.cluster_id : ''}: ${spec.appName}` : `Starting an EMR Serverless job run: ${spec.appName}`);
    return result;
  } catch (error) {
    log.info(`Task failed: ${(error as Error).name}: ${(error as Error).message}`);
    throw error;
  } finally {
    await log.close();
  }
}
