/**
 * A DAG's `sla_miss_callback`, called for the scheduling pass (../../scheduling/slas.ts) by the Python
 * runner. It is DAG-level, as in Airflow's DAG processor: the runner loads the DAG file of the DAG's
 * current version and calls `sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)`
 * with no run and no task instance behind it (no context, no XComs; Variables and connections work).
 *
 * Its output, and the traceback of a callback that raised, go to the DAG processor log of the DAG file
 * (Airflow's `logs/scheduler/latest/<DAG file>.log`): the {@link DagProcessorLogs} port — locally a
 * file under `$SKYDAG_HOME/logs/scheduler/`, in the cloud the scheduler function's own log.
 */
import type { SlaMissRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import type { SlaMissCallback, SlaMissCallbackCall } from '../../scheduling/slas.js';
import { SecretsMasker } from '../../secrets/masker.js';
import type { BlockingTaskInstanceArgument, SlaMissArgument, SlaMissArguments } from '../executors/python.js';
import { TaskTimeoutError, type TaskServices } from '../executors/types.js';
import type { RuntimeDeps, TaskLogHandle } from './deps.js';
import { secretServices } from './execution-request.js';
import { maskedTaskLog } from './try-secrets.js';

/**
 * How long a callback may run before it is stopped: Airflow's `dag_file_processor_timeout` default,
 * which bounds the DAG processor that runs it (a hung callback must not hold the scheduling pass).
 */
export const SLA_MISS_CALLBACK_TIMEOUT_MS = 50_000;

/** The DAG processor's log of a DAG's file: where DAG-level code run by the scheduler writes. */
export interface DagProcessorLogs {
  open(dag: Dag): TaskLogHandle;
  /** Where the log of `dag` is, for messages that point the user at it. */
  locate(dag: Dag): string;
}

/** The DAG processor log as lines on the process's own output (the cloud: the function's CloudWatch log). */
export function consoleDagProcessorLogs(write: (line: string) => void = (line) => console.log(line), clock: () => Date = () => new Date()): DagProcessorLogs {
  return {
    locate: () => "the scheduler function's log",
    open(dag) {
      let pending = '';
      const prefix = `[dag processor ${dag.dag_id}] `;
      const emit = (text: string) => {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) write(prefix + line);
      };
      return {
        write: emit,
        info: (message) => emit(`[${clock().toISOString()}] {skydag} INFO - ${message}\n`),
        close: async () => {
          if (pending) write(prefix + pending);
          pending = '';
        },
      };
    },
  };
}

/** The services of a DAG-level call (`what` runs): Variables and connections (masked in the log as a try's are), no XComs. */
export function dagLevelServices(deps: Pick<RuntimeDeps, 'variables' | 'connections' | 'mail'>, masker: SecretsMasker, what = 'sla_miss_callback'): TaskServices {
  const noTaskInstance = async (): Promise<never> => {
    throw new Error(`XComs are not available in ${what}: it runs for no task instance`);
  };
  return {
    xcomPull: noTaskInstance,
    xcomPush: noTaskInstance,
    ...secretServices(deps, masker),
  };
}

function slaMissArgument(miss: SlaMissRecord): SlaMissArgument {
  const { dag_id, task_id, execution_date, timestamp, email_sent, notification_sent, description } = miss;
  return { dag_id, task_id, execution_date, timestamp, email_sent, notification_sent, description };
}

function blockingTaskInstanceArgument(ti: TaskInstanceRecord, executionDate: string): BlockingTaskInstanceArgument {
  return {
    dag_id: ti.dag_id,
    task_id: ti.task_id,
    run_id: ti.run_id,
    map_index: ti.map_index,
    state: ti.state,
    execution_date: executionDate,
    try_number: ti.try_number,
    max_tries: ti.max_tries,
    start_date: ti.start_date,
    end_date: ti.end_date,
    duration: ti.duration,
    hostname: ti.hostname,
    operator: ti.operator,
    pool: ti.pool,
    pool_slots: ti.pool_slots,
    queue: ti.queue,
    priority_weight: ti.priority_weight,
  };
}

/** The runner's arguments of one call: the misses and the blocking task instances with their runs' logical dates. */
export function slaMissArguments(call: Pick<SlaMissCallbackCall, 'taskList' | 'blockingTaskList' | 'slas' | 'blockingTis'>): SlaMissArguments {
  const executionDates = new Map(call.slas.map((m) => [m.run_id, m.execution_date]));
  return {
    task_list: call.taskList,
    blocking_task_list: call.blockingTaskList,
    slas: call.slas.map(slaMissArgument),
    blocking_tis: call.blockingTis.map((ti) => blockingTaskInstanceArgument(ti, executionDates.get(ti.run_id)!)),
  };
}

/**
 * The scheduler's `slaMissCallback` port over the runtime: the DAG file of the call's version, the
 * Python runner, and the DAG processor log. Rejects when the callback raised or could not run (the
 * message names the log); the scheduling pass reports that and goes on.
 */
export function createSlaMissCallback(
  deps: Pick<RuntimeDeps, 'dags' | 'python' | 'variables' | 'connections'>,
  logs: DagProcessorLogs,
  timeoutMs: number = SLA_MISS_CALLBACK_TIMEOUT_MS,
): SlaMissCallback {
  return async (call) => {
    const { dag } = call;
    const ref = dag.callbacks.sla_miss_callback ?? null;
    const masker = new SecretsMasker();
    const log = maskedTaskLog(logs.open(dag), masker);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new TaskTimeoutError(`sla_miss_callback did not return within ${timeoutMs / 1000} s`)), timeoutMs);
    try {
      log.info(`Calling SLA miss callback ${ref?.name ?? 'sla_miss_callback'} of DAG ${dag.dag_id} for ${call.slas.length} SLA miss(es)`);
      if (!deps.python) throw new Error('no Python runner is configured');
      const source = await deps.dags.sourceLocation(dag, call.dagVersion);
      await deps.python.slaMissCallback({
        dag,
        callback: ref,
        dagFilePath: source.dagFilePath,
        dagsFolder: source.dagsFolder,
        ...(source.pluginsFolder ? { pluginsFolder: source.pluginsFolder } : {}),
        ...(source.projectFolder ? { projectFolder: source.projectFolder } : {}),
        arguments: slaMissArguments(call),
        services: dagLevelServices(deps, masker),
        log,
        signal: stop.signal,
      });
    } catch (err) {
      const message = masker.redactText(err instanceof Error ? err.message : String(err));
      log.info(`sla_miss_callback of DAG ${dag.dag_id} failed: ${message}`);
      throw new Error(`${message} (see ${logs.locate(dag)})`, { cause: err });
    } finally {
      clearTimeout(timer);
      await log.close().catch(() => undefined);
    }
  };
}
