/**
 * Groups tasks into Parallel branches. A branch is a maximal chain (each task the only downstream of
 * the previous one, which is its only upstream), so straight runs of tasks share one branch and one
 * end state. Every task that can be held by more than the previous one waits on its own token in
 * prepare, which is what makes any DAG shape (not only series-parallel ones) run with full
 * parallelism: a task starts as soon as its own upstream tasks are done, wherever they sit.
 */
import { TriggerRule } from '../model/constants.js';
import type { Task } from '../model/schema.js';
import { TaskState } from '../runtime/states.js';
import { TriggerDecision, evaluateTriggerRuleForStates } from '../runtime/trigger-rules.js';
import { topologicalOrder } from '../validation/graph.js';

/** Airflow's pool of every task that names none (128 slots by default: rarely full). */
const DEFAULT_POOL = 'default_pool';

export function chainsOf(tasks: readonly Task[]): Task[][] {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const order =
    topologicalOrder(
      tasks.map((t) => t.task_id),
      (id) => byId.get(id)!.upstream_task_ids,
      (id) => byId.get(id)!.downstream_task_ids,
    ) ?? tasks.map((t) => t.task_id); // cyclic DAGs never reach the compiler; keep going defensively
  const chainOf = new Map<string, Task[]>();
  const chains: Task[][] = [];
  for (const id of order) {
    const task = byId.get(id)!;
    const onlyUp = task.upstream_task_ids.length === 1 ? byId.get(task.upstream_task_ids[0]!) : undefined;
    const chain = onlyUp && onlyUp.downstream_task_ids.length === 1 ? chainOf.get(onlyUp.task_id) : undefined;
    if (chain && chain[chain.length - 1] === onlyUp) {
      chain.push(task);
      chainOf.set(id, chain);
    } else {
      const fresh = [task];
      chains.push(fresh);
      chainOf.set(id, fresh);
    }
  }
  return chains;
}

/**
 * Whether a chain's task is entered straight from its upstream task's complete, which starts it and
 * returns its try (no token-gated prepare: two state transitions and one Lambda call less). Only when
 * nothing but that upstream task should hold it: its trigger rule runs it once the upstream task
 * succeeded, and neither depends_on_past nor a pool of its own can keep it waiting. A slot of the
 * DAG's max_active_tasks (or of default_pool) is taken by the hand-off as by a prepare; when none is
 * free — or the task was decided already (a restarted run) — it goes on to its prepare and waits there
 * as any task (one Choice state more than without the hand-off).
 */
export function handsOff(upstream: Task, task: Task): boolean {
  return (
    !upstream.expand &&
    !task.expand &&
    task.upstream_task_ids.length === 1 &&
    task.upstream_task_ids[0] === upstream.task_id &&
    !task.depends_on_past &&
    task.pool === DEFAULT_POOL &&
    task.trigger_rule !== TriggerRule.ALL_DONE_SETUP_SUCCESS &&
    evaluateTriggerRuleForStates(task.trigger_rule, [TaskState.SUCCESS]).decision === TriggerDecision.RUN
  );
}
