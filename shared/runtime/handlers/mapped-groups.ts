/**
 * Mapped task groups (Airflow 2.10's MappedTaskGroup: a `@task_group` function's `.expand()` /
 * `.expand_kwargs()`). Every task of the group maps over the group's input (its `expand.target` is
 * `group`), and index i of a task goes with index i of the group's other tasks, as Airflow's
 * `_get_relevant_upstream_map_indexes` makes it:
 * - an XComArg of a task of the same group gives that task's index-i value (a task outside the group
 *   still gets the list of every index's value);
 * - the trigger rule of index i sees the index-i states of its upstream tasks in the group and the
 *   states of those outside it. So the task as a whole (its summary record) starts once all its
 *   upstream tasks ended, and each index decides for itself.
 */
import { RETURN_VALUE_KEY, type TaskInstanceRecord } from '../../model/records.js';
import type { PyValue, Task } from '../../model/schema.js';
import { isTagged } from '../../model/build.js';
import type { SecretsMasker } from '../../secrets/masker.js';
import { evaluateTask } from '../propagation.js';
import { TaskState, isFinished, normalizeTaskState } from '../states.js';
import { TriggerDecision, type TriggerRuleResult } from '../trigger-rules.js';
import type { RuntimeDeps } from './deps.js';
import { openXCom } from './execution-request.js';
import type { RunContext } from './run-context.js';

/** The mapped task group a task maps with, if any. */
export const mappedGroupOf = (task: Task | undefined): string | undefined => (task?.expand?.target === 'group' ? task.expand.group_id : undefined);

function inSameGroup(ctx: RunContext, task: Task, otherId: string): boolean {
  const group = mappedGroupOf(task);
  return group !== undefined && mappedGroupOf(ctx.task(otherId)) === group;
}

/**
 * The arguments of index `mapIndex` with every plain XComArg of a task of the same group replaced by
 * that task's index-`mapIndex` value (null when it pushed none: an index that failed or was skipped).
 */
export async function resolveGroupXComArgs(deps: RuntimeDeps, ctx: RunContext, task: Task, args: Record<string, PyValue>, mapIndex: number, masker: SecretsMasker): Promise<Record<string, PyValue>> {
  const { dag_id: dagId, run_id: runId } = ctx.run;
  const pulled = new Map<string, Promise<unknown>>(); // each XCom read once, however often it is passed
  const replace = async (v: PyValue): Promise<PyValue> => {
    if (isTagged(v, 'xcom_arg') && !v.map && !v.zip && !v.concat && inSameGroup(ctx, task, v.task_id)) {
      const key = v.key ?? RETURN_VALUE_KEY;
      const id = `${v.task_id}\u0000${key}`;
      if (!pulled.has(id)) pulled.set(id, deps.store.getXCom(dagId, runId, v.task_id, key, mapIndex).then((x) => openXCom(deps, masker, x)));
      return (await pulled.get(id)) as PyValue;
    }
    if (Array.isArray(v)) return Promise.all(v.map(replace));
    if (v !== null && typeof v === 'object' && typeof (v as { $type?: unknown }).$type !== 'string') {
      const out: Record<string, PyValue> = {};
      for (const [k, item] of Object.entries(v)) out[k] = await replace(item as PyValue);
      return out;
    }
    return v;
  };
  return (await replace(args as PyValue)) as Record<string, PyValue>;
}

/**
 * The whole task's decision (its summary record) for a task of a mapped group with upstream tasks in
 * the group: wait until every upstream task ended; then, when the group's tasks before it were
 * expanded, run (expand it) and let each index decide ({@link decideGroupIndex}); when they never ran
 * (skipped or upstream_failed as a whole), its trigger rule decides from their states.
 */
export function decideGroupTask(ctx: RunContext, task: Task, states: ReadonlyMap<string, TaskState>, upstream: readonly TaskInstanceRecord[]): TriggerRuleResult | undefined {
  const inGroup = upstream.filter((u) => inSameGroup(ctx, task, u.task_id));
  if (inGroup.length === 0) return undefined; // the group's first tasks: the same for every index
  if ([...states.values()].some((s) => !isFinished(s))) return { decision: TriggerDecision.WAIT, reason: 'a task of its mapped task group is still running' };
  if (inGroup.some((u) => u.decision === 'run')) return { decision: TriggerDecision.RUN, reason: 'its mapped task group was expanded: each map index decides' };
  return undefined;
}

/**
 * Index `mapIndex`'s own decision before its first try: its trigger rule over the index-`mapIndex`
 * states of its upstream tasks in the group and the states of the others. Undefined: it runs.
 */
export async function decideGroupIndex(deps: RuntimeDeps, ctx: RunContext, task: Task, mapIndex: number): Promise<TaskState | undefined> {
  const { dag_id: dagId, run_id: runId } = ctx.run;
  const upstream = ctx.index.upstream.get(task.task_id) ?? [];
  const states = new Map<string, TaskState>();
  for (const u of upstream) {
    const own = inSameGroup(ctx, task, u) ? await deps.store.getMappedTaskInstance(dagId, runId, u, mapIndex) : undefined;
    const ti = own ?? (await deps.store.getTaskInstance(dagId, runId, u));
    states.set(u, normalizeTaskState(ti?.state ?? null));
  }
  const result = evaluateTask(ctx.index, task.task_id, states);
  if (result.decision === TriggerDecision.SKIP) return TaskState.SKIPPED;
  if (result.decision === TriggerDecision.UPSTREAM_FAILED) return TaskState.UPSTREAM_FAILED;
  return undefined;
}
