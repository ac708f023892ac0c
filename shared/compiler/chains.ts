/**
 * Groups tasks into Parallel branches. A branch is a maximal chain (each task the only downstream of
 * the previous one, which is its only upstream), so straight runs of tasks share one branch and one
 * end state. Every task still waits on its own token in prepare, which is what makes any DAG shape
 * (not only series-parallel ones) run with full parallelism: a task starts as soon as its own
 * upstream tasks are done, wherever they sit.
 */
import type { Task } from '../model/schema.js';
import { topologicalOrder } from '../validation/graph.js';

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
