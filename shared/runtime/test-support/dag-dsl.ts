/**
 * Test helper: DAGs written the way Airflow files write them, e.g.
 * `dagOf(['start >> [a, b] >> join', 'a >> c'], { join: 'none_failed' })`.
 */
import type { TriggerRule } from '../../model/schema.js';
import { type DagIndex, type RuntimeTask, indexDag } from '../graph.js';

export interface DagSpecOptions {
  /** Extra fields per task (depends_on_past, task_group_id, ...). */
  extra?: Record<string, Partial<RuntimeTask>>;
  groups?: { group_id: string; parent_group_id: string | null }[];
}

export function dagOf(chains: readonly string[], rules: Record<string, TriggerRule> = {}, options: DagSpecOptions = {}): DagIndex {
  const order: string[] = [];
  const upstream = new Map<string, string[]>();
  const see = (id: string) => {
    if (!upstream.has(id)) {
      upstream.set(id, []);
      order.push(id);
    }
  };
  for (const chain of chains) {
    const groups = chain.split('>>').map((part) =>
      part
        .replace(/[[\]]/g, '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    for (const group of groups) group.forEach(see);
    for (let i = 1; i < groups.length; i++) {
      for (const to of groups[i]!) {
        for (const from of groups[i - 1]!) {
          const ups = upstream.get(to)!;
          if (!ups.includes(from)) ups.push(from);
        }
      }
    }
  }
  for (const id of Object.keys(rules)) see(id);
  const tasks: RuntimeTask[] = order.map((id) => ({
    task_id: id,
    upstream_task_ids: upstream.get(id)!,
    trigger_rule: rules[id] ?? 'all_success',
    ...options.extra?.[id],
  }));
  return indexDag(tasks, options.groups ?? []);
}
