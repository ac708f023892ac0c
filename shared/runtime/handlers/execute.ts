/**
 * execute (the runner): one try of a task's code. Marks it running, renders its templated fields,
 * runs the operator's executor under execution_timeout, stores the return value as XCom and writes
 * everything to the try's own log. Errors propagate (named) so the state machine's Catch routes them
 * to the fail handler.
 */
import { RETURN_VALUE_KEY } from '../../model/records.js';
import { datasetUriProblem } from '../../model/datasets.js';
import { ConditionFailedError } from '../../stores/metadata.js';
import { setLongTimeout } from '../../util/long-timeout.js';
import { OWN_TEMPLATE_FIELD_KINDS, operatorByKind } from '../../operators/registry.js';
import { resolveBranch } from '../branching.js';
import { TaskFailedError, TaskTimeoutError, WaitHandOff, type ExecutionOutcome, type WaitContext } from '../executors/types.js';
import { MAX_OUTLET_EXTRAS_BYTES, type ExecuteRequest, type ExecuteResult, type OutletAliasEvent } from '../protocol.js';
import type { Task } from '../../model/schema.js';
import { TaskState } from '../states.js';
import type { RuntimeDeps } from './deps.js';
import { executionBase } from './execution-request.js';
import { afterExecution, afterSkip, beforeExecution } from './execution-hooks.js';
import { ownTemplateServices } from './own-templates.js';
import { configGroupRecorder } from './config-group-record.js';
import { renderMapIndex } from './map-index.js';
import { loadRunAndTaskInstance, taskInstanceAccess } from './run-context.js';
import { createTryMasker, maskedTaskLog, redactError } from './try-secrets.js';

export class StaleTryError extends Error {
  override readonly name = 'Skydag.NonRetryable';
}

/**
 * `wait`: the try's waits may be handed off to a later invocation (runner-entry.ts); a hand-off
 * propagates as WaitHandOff. `wait.resumed`: this invocation continues one (the try keeps its start date).
 */
export async function execute(deps: RuntimeDeps, request: ExecuteRequest, options: { testMode?: boolean; wait?: WaitContext } = {}): Promise<ExecuteResult> {
  const { ctx, ti: queued } = await loadRunAndTaskInstance(deps, request.run, request.task_id, request.map_index);
  const access = taskInstanceAccess(deps, request.run, request.task_id, request.map_index);
  if (queued.try_number !== request.try_number) throw new StaleTryError(`try ${request.try_number} of ${request.task_id} is stale (current try ${queued.try_number})`);
  const task = ctx.task(request.task_id);
  const start = deps.clock().toISOString();
  // Only a try still in flight starts (again, if its invocation was retried): a late duplicate of a try
  // that already ended must not make it running again.
  const resumed = options.wait?.resumed !== undefined;
  const ti = await fenced(request, () =>
    access.update({ state: TaskState.RUNNING, ...(resumed ? {} : { start_date: start }), end_date: null, hostname: deps.hostname }, { tryNumber: request.try_number, stateIn: [TaskState.QUEUED, TaskState.RUNNING] }),
  );
  await deps.store.deleteXComs(ctx.run.dag_id, ctx.run.run_id, task.task_id, request.map_index);

  // Every secret the try sees (conf, variables, connections, sealed XComs) is masked in all it leaves behind.
  const masker = createTryMasker(ctx.run);
  const log = maskedTaskLog(deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, ti.try_number, ti.map_index), masker);
  const controller = new AbortController();
  const raceAbort = abortRace(controller.signal);
  const timeoutSeconds = task.execution_timeout_seconds;
  const cancelTimer = timeoutSeconds ? setLongTimeout(() => controller.abort(new TaskTimeoutError(`execution_timeout of ${timeoutSeconds} s exceeded`)), timeoutSeconds * 1000) : undefined;
  const onShutdown = () => controller.abort(new TaskFailedError('the task was stopped: skydag is shutting down'));
  deps.shutdownSignal?.addEventListener('abort', onShutdown, { once: true });
  const runSignal = deps.runSignal?.(request.run);
  const onRunStopped = () => controller.abort(new TaskFailedError(`the task was stopped: ${String((runSignal?.reason as Error | undefined)?.message ?? 'its run was stopped')}`));
  runSignal?.addEventListener('abort', onRunStopped, { once: true });
  let base: Awaited<ReturnType<typeof executionBase>> | undefined;
  // Set once the task's code started and the map index is not rendered yet: a failure from here renders it.
  let mapIndexDue = false;
  /** Renders and records the task's map_index_template once its code ran (see map-index.ts). */
  const recordMapIndex = async (afterFailure: boolean, contextAdded?: Record<string, unknown>): Promise<void> => {
    if (!base || !mapIndexDue) return;
    mapIndexDue = false;
    const rendered = await renderMapIndex(deps.render, base, log, afterFailure, contextAdded);
    if (rendered !== undefined) await fenced(request, () => access.update({ rendered_map_index: masker.redact(rendered) as string }, { tryNumber: ti.try_number }));
  };
  try {
    const mapped = ti.map_index >= 0 ? `, map_index=${ti.map_index}` : '';
    log.info(`Executing <${ti.map_index >= 0 ? 'Mapped' : 'Task'}(${task.operator}): ${task.task_id}${mapped}> on ${ctx.run.logical_date} (run ${ctx.run.run_id})`);
    log.info(resumed ? `Resuming attempt ${ti.try_number} of ${ti.max_tries + 1}` : `Starting attempt ${ti.try_number} of ${ti.max_tries + 1}`);
    base = await executionBase(deps, ctx, ti, options.testMode, masker);
    let args;
    try {
      args = await deps.render({ ...base, log });
    } catch (err) {
      throw new TaskFailedError(`rendering templated fields failed: ${(err as Error).message}`);
    }
    // A custom (or shim provider) operator's fields are its attributes: the Python runner renders and records them.
    const ownFields = OWN_TEMPLATE_FIELD_KINDS.has(task.operator_kind);
    await fenced(request, () => access.update({ rendered_fields: ownFields ? null : (masker.redact(args) as Record<string, unknown>) }, { tryNumber: ti.try_number }));
    const services = { ...base.services, ...ownTemplateServices(deps, base, log, masker), ...configGroupRecorder(access.update, ti.try_number) };
    const executor = deps.executorFor({ task, dag: ctx.dag });
    const hooks = { ...base, services, log, signal: controller.signal };
    const before = await raceAbort(beforeExecution(deps, hooks, resumed));
    mapIndexDue = true;
    let outcome: ExecutionOutcome =
      before.skipped !== undefined
        ? { outcome: 'skipped', message: before.skipped }
        : await raceAbort(executor({ ...base, services, args, log, signal: controller.signal, ...(options.wait ? { wait: options.wait } : {}) }));
    // A branch that names tasks it cannot follow fails inside execute, as Airflow's skip_all_except
    // raises there: the try fails (and is retried per its policy) before anything is pushed. Left to
    // the complete handler, the error came after the task was recorded as succeeded, and the retried
    // complete call then saw a finished task and let the downstream tasks run.
    if (outcome.outcome === 'success' && outcome.followed !== undefined && operatorByKind(task.operator_kind)?.branching) {
      const branch = resolveBranch(ctx.index, task.task_id, outcome.followed);
      if (!branch.ok) throw new TaskFailedError(branch.error);
    }
    try {
      await recordMapIndex(false, outcome.contextAdded);
    } catch (err) {
      if (err instanceof StaleTryError) throw err;
      throw new TaskFailedError((err as Error).message);
    }
    if (outcome.returnValue !== undefined && outcome.returnValue !== null && task.do_xcom_push) {
      await base.services.xcomPush(RETURN_VALUE_KEY, outcome.returnValue);
    }
    // As Airflow: the return value is pushed before post_execute, which may still fail the try.
    outcome = await raceAbort(afterExecution(deps, hooks, outcome));
    if (outcome.outcome === 'skipped') await afterSkip(deps, hooks);
    log.info(`Marking task as ${outcome.outcome === 'skipped' ? 'SKIPPED' : 'SUCCESS'}${outcome.message ? `: ${outcome.message}` : ''}`);
    const result: ExecuteResult = { outcome: outcome.outcome };
    if (outcome.followed !== undefined) result.followed = outcome.followed;
    if (outcome.proceed !== undefined) result.proceed = outcome.proceed;
    if (outcome.outcome === 'success') Object.assign(result, boundedOutletEvents(task, outcome.outletExtras, outcome.outletAliasEvents));
    return result;
  } catch (err) {
    if (err instanceof WaitHandOff) {
      log.info(err.message);
      throw err;
    }
    const error = redactError(err instanceof Error ? err : new Error(String(err)), masker);
    if (!(err instanceof StaleTryError)) await recordMapIndex(true).catch(() => undefined);
    log.info(`Task failed: ${error.name}: ${error.message}`);
    throw error;
  } finally {
    cancelTimer?.();
    deps.shutdownSignal?.removeEventListener('abort', onShutdown);
    runSignal?.removeEventListener('abort', onRunStopped);
    await log.close();
  }
}

/** A conditional write of this try that fails because another try is current now: the try is stale. */
async function fenced<T>(request: ExecuteRequest, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof ConditionFailedError) throw new StaleTryError(`try ${request.try_number} of ${request.task_id} is stale (another try is current)`);
    throw err;
  }
}

/**
 * Executors must honour the signal; this makes a hung one still end the try on timeout: each step of
 * the try is raced against one rejection on its signal's abort (one listener per try; a listener
 * added and removed per step cost a short task's loop ~50 µs in EventTarget's machinery).
 */
function abortRace(signal: AbortSignal): <T>(work: Promise<T>) => Promise<T> {
  const reasonOf = () => (signal.reason instanceof Error ? signal.reason : new TaskTimeoutError('aborted'));
  const stopped = new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(reasonOf());
    else signal.addEventListener('abort', () => reject(reasonOf()), { once: true });
  });
  stopped.catch(() => undefined); // told through the races
  return <T>(work: Promise<T>) => {
    if (!signal.aborted) return Promise.race([work, stopped]);
    work.catch(() => undefined); // its outcome no longer matters
    return Promise.reject(reasonOf());
  };
}

/**
 * The extras a try gave its outlets' events and the events it added through its outlet aliases: for
 * its declared outlets and aliases only, valid URIs, within the payload bound.
 */
function boundedOutletEvents(
  task: Task,
  extras: Record<string, Record<string, unknown>> | undefined,
  aliasEvents: OutletAliasEvent[] | undefined,
): Pick<ExecuteResult, 'outlet_extras' | 'outlet_alias_events'> {
  const out: Pick<ExecuteResult, 'outlet_extras' | 'outlet_alias_events'> = {};
  const outlets = new Set((task.outlets ?? []).map((o) => o.uri));
  // `yield Metadata(ds, extra, alias=...)` also sets ds's own accessor; Airflow ignores it when ds is only reached through the alias.
  const throughAlias = new Set((aliasEvents ?? []).map((e) => e.uri));
  const own = Object.entries(extras ?? {}).filter(([uri]) => outlets.has(uri) || !throughAlias.has(uri));
  if (own.length > 0) {
    const unknown = own.map(([uri]) => uri).filter((uri) => !outlets.has(uri));
    if (unknown.length > 0) throw new TaskFailedError(`outlet_events: '${unknown[0]}' is not an outlet of task ${task.task_id} (outlets: ${[...outlets].join(', ') || 'none'})`);
    out.outlet_extras = Object.fromEntries(own);
  }
  if (aliasEvents && aliasEvents.length > 0) {
    const aliases = new Set(task.outlet_aliases ?? []);
    for (const event of aliasEvents) {
      if (!aliases.has(event.alias)) {
        throw new TaskFailedError(`outlet_events: '${event.alias}' is not a DatasetAlias among the outlets of task ${task.task_id} (aliases: ${[...aliases].join(', ') || 'none'})`);
      }
      const problem = datasetUriProblem(event.uri);
      if (problem) throw new TaskFailedError(`outlet_events['${event.alias}'].add(): ${problem}`);
    }
    out.outlet_alias_events = aliasEvents;
  }
  const size = Buffer.byteLength(JSON.stringify(out), 'utf8');
  if (size > MAX_OUTLET_EXTRAS_BYTES) throw new TaskFailedError(`the outlet events of task ${task.task_id} are ${size} bytes, more than ${MAX_OUTLET_EXTRAS_BYTES}`);
  return out;
}
