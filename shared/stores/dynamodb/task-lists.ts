/**
 * Task lists: the task ids of a run's task instances (map_index -1) in their creation order, stored
 * once per distinct list (content-addressed: most runs of a DAG share one) and named by the run item
 * (`_tasks`). A run's task instances are fixed when it is created (createDagRun writes them all;
 * nothing adds or removes one but deleting the run), so a DAG's task instances across runs follow
 * from its runs and their lists: a few small items instead of one index entry per task instance
 * (a DAG of 10 runs of 100 tasks: 10 runs and 1 list, not 1,000 entries).
 *
 * A list is written before the run that names it, so a reader that sees the name finds the list. A
 * list whose JSON would not fit in an item is not stored and its run names none: listings of that
 * DAG then read the index (as they do for runs made before task lists existed).
 */
import { createHash } from 'node:crypto';

import { KIND, type Item } from './items.js';
import * as K from './keys.js';
import type { TableClient } from './table-client.js';

/** The run item's attribute naming its task list. */
export const TASK_LIST = '_tasks';
/** The list's attribute: the task ids as JSON text (a DynamoDB list of strings costs more to read and write). */
const IDS = 'task_ids';
/** Lists longer than this (as JSON) are not stored: the item must stay under DynamoDB's 400 KB. */
export const TASK_LIST_MAX_BYTES = 300 * 1024;
/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_MAX = 100;

/** The name of a list of task ids: a hash of its JSON (the same list always has the same name). */
export function taskListName(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

/** The task list item of `taskIds` (in creation order), or undefined when it would be too large. */
export function taskListItem(taskIds: readonly string[]): { name: string; item: Item } | undefined {
  const json = JSON.stringify(taskIds);
  if (Buffer.byteLength(json, 'utf8') > TASK_LIST_MAX_BYTES) return undefined;
  const name = taskListName(json);
  return { name, item: { ...K.taskListKey(name), [KIND]: 'task-list', [IDS]: json } };
}

export class TaskLists {
  /** Lists this process wrote or read (immutable: a name always means the same list), least recently used first. */
  private readonly known = new Map<string, readonly string[]>();
  private knownIds = 0;

  constructor(
    private readonly table: TableClient,
    /** Task ids kept in memory at most, over all lists. */
    private readonly maxIds = 200_000,
  ) {}

  /** Stores the list of `taskIds` (once per process; a repeated put writes the same item) and returns its name, or undefined when too large. */
  async store(taskIds: readonly string[]): Promise<string | undefined> {
    const list = taskListItem(taskIds);
    if (!list) return undefined;
    if (!this.known.has(list.name)) {
      await this.table.put({ Item: list.item }, `store a task list of ${taskIds.length} tasks`);
      this.remember(list.name, Object.freeze([...taskIds]));
    }
    return list.name;
  }

  /** The lists of `names` (strongly consistent reads of those not in memory); a missing one is absent from the map. */
  async read(names: Iterable<string>, what: string): Promise<Map<string, readonly string[]>> {
    const out = new Map<string, readonly string[]>();
    const missing: string[] = [];
    for (const name of new Set(names)) {
      const ids = this.known.get(name);
      if (ids) {
        out.set(name, ids);
        this.remember(name, ids);
      } else missing.push(name);
    }
    for (let i = 0; i < missing.length; i += BATCH_GET_MAX) {
      const some = missing.slice(i, i + BATCH_GET_MAX);
      const items = await this.table.batchGet(some.map(K.taskListKey), what);
      items.forEach((item, n) => {
        if (typeof item?.[IDS] !== 'string') return;
        const ids = Object.freeze(JSON.parse(item[IDS]) as string[]);
        out.set(some[n]!, ids);
        this.remember(some[n]!, ids);
      });
    }
    return out;
  }

  private remember(name: string, ids: readonly string[]): void {
    const had = this.known.get(name);
    if (had) {
      this.known.delete(name);
      this.knownIds -= had.length;
    }
    this.known.set(name, ids);
    this.knownIds += ids.length;
    for (const [old, oldIds] of this.known) {
      if (this.knownIds <= this.maxIds || this.known.size === 1) break;
      this.known.delete(old);
      this.knownIds -= oldIds.length;
    }
  }
}
