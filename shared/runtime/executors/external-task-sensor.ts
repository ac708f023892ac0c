/**
 * ExternalTaskSensor (Airflow 2.x `airflow/sensors/external_task.py`): waits for tasks of another
 * DAG — or that DAG's whole run — at the matching logical date: the sensor's own logical date, or
 * that date minus `execution_delta`.
 *
 * Per poke, in Airflow's order:
 * 1. any watched task (or the run) in `failed_states` → failed (skipped with `soft_fail`);
 * 2. any in `skipped_states` → skipped;
 * 3. all in `allowed_states` (default `['success']`) → done; otherwise poke again.
 * A task instance or run that does not exist yet simply is not in any of these states.
 *
 * `execution_date_fn` is a Python callable and cannot be called here (TaskNotRunnableError with a
 * hint). `check_existence` and `external_task_group_id` need the other DAG's task ids, which the
 * lookup may provide ({@link ExternalStateLookup.dagTaskIds}).
 */
import type { MetadataStore } from '../../stores/metadata.js';
import { DAG_RUN_STATES, TASK_STATES } from '../states.js';
import { toEpochMs } from '../time.js';
import { type SensorLoopOptions, runSensor } from './sensors.js';
import { isCallableRef, optionalBool, optionalSeconds, optionalString, optionalStringList, pythonIsoformat, requiredString } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskFailedError, TaskNotRunnableError } from './types.js';

/**
 * Read access to other DAGs' runs. `logicalDate` is an ISO-8601 UTC instant (`toISOString()`);
 * implementations must compare it as an instant, not as text. Unknown runs/tasks → undefined.
 */
export interface ExternalStateLookup {
  /** State of task `taskId` in `dagId`'s run at `logicalDate` (null: no state yet). */
  taskState(dagId: string, taskId: string, logicalDate: string): Promise<string | null | undefined>;
  /** State of `dagId`'s run at `logicalDate`. */
  runState(dagId: string, logicalDate: string): Promise<string | undefined>;
  /** The task ids of DAG `dagId`, or undefined when no such DAG exists (for check_existence and task groups). */
  dagTaskIds?(dagId: string): Promise<readonly string[] | undefined>;
}

/** An {@link ExternalStateLookup} over the metadata store (runs found by logical date). */
export function externalStateLookupFromStore(
  store: Pick<MetadataStore, 'listDagRuns' | 'getTaskInstance'>,
  dagTaskIds?: (dagId: string) => Promise<readonly string[] | undefined>,
): ExternalStateLookup {
  const runAt = async (dagId: string, logicalDate: string) => {
    const at = toEpochMs(logicalDate, 'logical date');
    // Newest first, strictly before at + 1 ms: the first one is the run at `at`, if there is one.
    const [run] = await store.listDagRuns(dagId, { logicalDateBefore: new Date(at + 1).toISOString(), limit: 1 });
    return run && toEpochMs(run.logical_date, 'logical date') === at ? run : undefined;
  };
  const lookup: ExternalStateLookup = {
    async runState(dagId, logicalDate) {
      return (await runAt(dagId, logicalDate))?.state;
    },
    async taskState(dagId, taskId, logicalDate) {
      const run = await runAt(dagId, logicalDate);
      if (!run) return undefined;
      return (await store.getTaskInstance(dagId, run.run_id, taskId))?.state;
    },
  };
  if (dagTaskIds) lookup.dagTaskIds = dagTaskIds;
  return lookup;
}

interface Watch {
  externalDagId: string;
  /** Task ids to watch; empty = the DAG run itself. */
  taskIds: string[];
  groupId?: string;
  allowed: string[];
  failed: string[];
  skipped: string[];
  logicalDate: string;
}

function readWatch(request: ExecutionRequest): Watch {
  const where = `ExternalTaskSensor '${request.task.task_id}'`;
  const externalDagId = requiredString(request, 'external_dag_id');
  const taskId = optionalString(request, 'external_task_id');
  const taskIds = optionalStringList(request, 'external_task_ids');
  const groupId = optionalString(request, 'external_task_group_id');
  if (taskId !== undefined && taskIds !== undefined) {
    throw new TaskNotRunnableError(`${where}: only one of \`external_task_id\` or \`external_task_ids\` may be provided, not both.`);
  }
  if (groupId !== undefined && (taskId !== undefined || taskIds !== undefined)) {
    throw new TaskNotRunnableError(`${where}: \`external_task_group_id\` cannot be combined with \`external_task_id\` or \`external_task_ids\`.`);
  }
  const ids = taskIds ?? (taskId !== undefined ? [taskId] : []);
  if (new Set(ids).size !== ids.length) throw new TaskNotRunnableError(`${where}: duplicate task_ids passed in external_task_ids`);

  const allowed = optionalStringList(request, 'allowed_states') ?? ['success'];
  const failed = optionalStringList(request, 'failed_states') ?? [];
  const skipped = optionalStringList(request, 'skipped_states') ?? [];
  const overlap = allowed.filter((s) => failed.includes(s) || skipped.includes(s));
  if (overlap.length) {
    throw new TaskNotRunnableError(
      `${where}: duplicate values provided across allowed_states ${JSON.stringify(allowed)}, failed_states ${JSON.stringify(failed)} and skipped_states ${JSON.stringify(skipped)}`,
    );
  }
  const watchingTasks = ids.length > 0 || groupId !== undefined;
  const valid: readonly string[] = watchingTasks ? TASK_STATES : DAG_RUN_STATES;
  const invalid = [...allowed, ...failed, ...skipped].filter((s) => !valid.includes(s));
  if (invalid.length) {
    throw new TaskNotRunnableError(
      `${where}: invalid state(s) ${invalid.join(', ')}; valid values when waiting for ${watchingTasks ? 'tasks' : 'a DAG run'} are: ${valid.join(', ')}`,
    );
  }

  if (isCallableRef(request.args.execution_date_fn)) {
    throw new TaskNotRunnableError(
      `${where}: execution_date_fn is a Python callable, which skydag's built-in ExternalTaskSensor cannot call. ` +
        'Use execution_delta (the other DAG’s logical date = this run’s logical date − execution_delta), ' +
        'or write the wait as a PythonSensor.',
    );
  }
  const deltaSeconds = optionalSeconds(request, 'execution_delta') ?? 0;
  const own = toEpochMs(request.run.logical_date, 'logical date');
  const logicalDate = new Date(own - deltaSeconds * 1000).toISOString();
  const watch: Watch = { externalDagId, taskIds: ids, allowed, failed, skipped, logicalDate };
  if (groupId !== undefined) watch.groupId = groupId;
  return watch;
}

export function createExternalTaskSensor(lookup: ExternalStateLookup, options: SensorLoopOptions = {}): TaskExecutor {
  return async (request) => {
    const watch = readWatch(request);
    const checkExistence = optionalBool(request, 'check_existence', false);
    const softFail = request.task.sensor?.soft_fail ?? false;
    const { externalDagId } = watch;
    const shownDate = pythonIsoformat(watch.logicalDate);
    let existenceChecked = false;

    const resolveTaskIds = async (): Promise<string[]> => {
      if (watch.groupId === undefined) return watch.taskIds;
      if (!lookup.dagTaskIds) {
        throw new TaskNotRunnableError(
          `ExternalTaskSensor '${request.task.task_id}': external_task_group_id needs the task list of DAG '${externalDagId}', which this runtime does not provide; list the tasks in external_task_ids instead.`,
        );
      }
      const all = await lookup.dagTaskIds(externalDagId);
      const inGroup = (all ?? []).filter((id) => id.startsWith(`${watch.groupId}.`));
      if (inGroup.length === 0) {
        throw new TaskFailedError(`The external task_group '${watch.groupId}' in DAG '${externalDagId}' does not exist.`);
      }
      return inGroup;
    };

    const checkExists = async (taskIds: string[]) => {
      if (!lookup.dagTaskIds) {
        request.log.info(`check_existence: this runtime cannot list DAG '${externalDagId}' tasks; existence is not checked`);
        return;
      }
      const all = await lookup.dagTaskIds(externalDagId);
      if (!all) throw new TaskFailedError(`The external DAG ${externalDagId} does not exist.`);
      for (const id of taskIds) {
        if (!all.includes(id)) throw new TaskFailedError(`The external task ${id} in DAG ${externalDagId} does not exist.`);
      }
    };

    return runSensor(
      request,
      async () => {
        const taskIds = await resolveTaskIds();
        if (watch.groupId !== undefined) {
          request.log.info(`Poking for task_group '${watch.groupId}' in dag '${externalDagId}' on ${shownDate} ... `);
        } else if (taskIds.length) {
          request.log.info(`Poking for tasks ${pyList(taskIds)} in dag ${externalDagId} on ${shownDate} ... `);
        } else {
          request.log.info(`Poking for DAG '${externalDagId}' on ${shownDate} ... `);
        }
        if (checkExistence && !existenceChecked) {
          await checkExists(taskIds);
          existenceChecked = true;
        }

        const states: (string | null | undefined)[] = taskIds.length
          ? await Promise.all(taskIds.map((id) => lookup.taskState(externalDagId, id, watch.logicalDate)))
          : [await lookup.runState(externalDagId, watch.logicalDate)];
        const inAny = (list: string[]) => states.some((s) => s != null && list.includes(s));
        const what =
          watch.groupId !== undefined
            ? `The external task_group '${watch.groupId}' in DAG '${externalDagId}'`
            : taskIds.length
              ? `Some of the external tasks ${pyList(taskIds)} in DAG ${externalDagId}`
              : `The external DAG ${externalDagId}`;

        if (watch.failed.length && inAny(watch.failed)) {
          if (softFail) throw new SoftFailSkip(`${what} failed. Skipping due to soft_fail.`);
          throw new TaskFailedError(`${what} failed.`);
        }
        if (watch.skipped.length && inAny(watch.skipped)) {
          throw new SoftFailSkip(`${what} reached a state in our states-to-skip-on list. Skipping.`);
        }
        return states.every((s) => s != null && watch.allowed.includes(s));
      },
      options,
    ).catch((error: unknown) => {
      if (error instanceof SoftFailSkip) {
        request.log.info(error.message);
        return { outcome: 'skipped' as const, message: error.message };
      }
      throw error;
    });
  };
}

/** Internal: ends the poke loop with a skip (Airflow's AirflowSkipException from poke). */
class SoftFailSkip extends Error {}

/** Python's repr of a list of strings: `['a', 'b']`. */
function pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}
