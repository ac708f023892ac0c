/**
 * BaseOperator's hooks around an execution, in Airflow 2.10's order: pre_execute(context) (raising
 * fails the try, AirflowSkipException skips it), on_execute_callback(context) (errors logged), the
 * execution, post_execute(context, result) (raising fails the try), and on_skipped_callback(context)
 * when the try raised AirflowSkipException (errors logged).
 *
 * A task the Python runner executes calls the first three in its own process, around `execute`
 * (shared/python/skydag_runner/run.py); a Python sensor's runner checks pre_execute before each poke.
 * Every other task — bash, the built-in sensors, Spark, notebooks, child DAGs — has them called here,
 * each through the Python runner's callback mode with the try's context. on_skipped_callback is
 * always called here, once the try's outcome is known.
 */
import type { PyValue, Task } from '../../model/schema.js';
import { EXECUTOR_ROUTES } from '../executors/registry.js';
import { TaskFailedError, type ExecutionOutcome, type ExecutionRequest } from '../executors/types.js';
import type { RuntimeDeps } from './deps.js';

type Hook = 'pre_execute' | 'on_execute_callback' | 'post_execute';
type HookRequest = Omit<ExecutionRequest, 'args' | 'signal'>;

const PYTHON_SENSOR_KINDS = new Set(['python_sensor']);

/** The hooks the Python runner calls itself for `task`. */
export function hooksCalledByRunner(task: Pick<Task, 'operator_kind' | 'sensor'>): ReadonlySet<Hook> {
  const route = EXECUTOR_ROUTES[task.operator_kind];
  if (route?.type !== 'injected' || route.dep !== 'python') return new Set();
  const sensor = PYTHON_SENSOR_KINDS.has(task.operator_kind) || (task.operator_kind === 'custom' && !!task.sensor);
  return new Set<Hook>(sensor ? ['pre_execute'] : ['pre_execute', 'on_execute_callback', 'post_execute']);
}

const calledHere = (task: Task, hook: Hook) => !!task.callbacks[hook] && !hooksCalledByRunner(task).has(hook);

/**
 * Before the execution: pre_execute, then on_execute_callback. `skipped` when pre_execute raised
 * AirflowSkipException (the execution does not run). A poke-mode sensor resuming its wait in a later
 * invocation is the same execution (nothing is called again); a reschedule-mode sensor's every
 * reschedule is a new one, as in Airflow.
 */
export async function beforeExecution(deps: RuntimeDeps, request: HookRequest, resumed: boolean): Promise<{ skipped?: string }> {
  const { task, log } = request;
  if (resumed && task.sensor?.mode !== 'reschedule') return {};
  if (calledHere(task, 'pre_execute')) {
    const answer = await hook(deps, request, 'pre_execute');
    if (answer.skipped !== undefined) return answer;
  }
  if (calledHere(task, 'on_execute_callback')) {
    if (!deps.python) log.info('on_execute_callback not run: no Python runner is configured');
    else {
      try {
        await deps.python.callback(request, 'on_execute_callback');
      } catch (err) {
        log.info(`Failed when executing execute callback: ${(err as Error).message}`);
      }
    }
  }
  return {};
}

/** After a successful execution: post_execute(context, result); AirflowSkipException there skips the try. */
export async function afterExecution(deps: RuntimeDeps, request: HookRequest, outcome: ExecutionOutcome): Promise<ExecutionOutcome> {
  if (outcome.outcome !== 'success' || !calledHere(request.task, 'post_execute')) return outcome;
  // The return value is JSON (an XCom): the Python runner decodes it as the hook's `result`.
  const answer = await hook(deps, request, 'post_execute', (outcome.returnValue ?? null) as PyValue);
  return answer.skipped !== undefined ? { outcome: 'skipped', message: answer.skipped } : outcome;
}

/** The try ended skipped by its own code (AirflowSkipException, a sensor's soft_fail): on_skipped_callback. */
export async function afterSkip(deps: RuntimeDeps, request: HookRequest): Promise<void> {
  if (!request.task.callbacks.on_skipped_callback) return;
  if (!deps.python) return request.log.info('on_skipped_callback not run: no Python runner is configured');
  try {
    request.log.info(`Running on_skipped_callback ${request.task.callbacks.on_skipped_callback.name}`);
    await deps.python.callback(request, 'on_skipped_callback');
  } catch (err) {
    request.log.info(`on_skipped_callback failed: ${(err as Error).message}`);
  }
}

async function hook(deps: RuntimeDeps, request: HookRequest, name: 'pre_execute' | 'post_execute', result: PyValue = null): Promise<{ skipped?: string }> {
  if (!deps.python) throw new TaskFailedError(`${request.task.task_id} has a ${name} hook, and no Python runner is configured to call it`);
  return deps.python.hook(request, name, result);
}
