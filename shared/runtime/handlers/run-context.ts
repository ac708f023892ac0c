/** Loading what every handler needs about a run: the run record, its DAG model and graph index. */
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag, Task } from '../../model/schema.js';
import { confSealContext, openRunConf } from '../../secrets/sealed.js';
import { NotFoundError, type TaskInstanceCondition } from '../../stores/metadata.js';
import { indexDag, type DagIndex } from '../graph.js';
import type { RunRef } from '../protocol.js';
import type { RuntimeDeps } from './deps.js';

export interface RunContext {
  ref: RunRef;
  run: DagRunRecord;
  dag: Dag;
  index: DagIndex;
  task(taskId: string): Task;
}

interface IndexedDag {
  index: DagIndex;
  byId: ReadonlyMap<string, Task>;
}

/**
 * Indexes per DAG model object. DAG sources hand out one object per DAG version (and keep it), so a
 * version is indexed once, not on every control call: indexing a 10,000-task DAG per call made each
 * task cost O(DAG) and every waiting task hold its own copy of the index.
 */
const indexes = new WeakMap<Dag, IndexedDag>();

export function indexedDag(dag: Dag): IndexedDag {
  let indexed = indexes.get(dag);
  if (!indexed) {
    indexed = { index: indexDag(dag.tasks, dag.task_groups), byId: new Map(dag.tasks.map((t) => [t.task_id, t])) };
    indexes.set(dag, indexed);
  }
  return indexed;
}

/** The run as its tasks see it: a sealed conf is opened (only the runtime ever holds it in clear). */
export async function loadRunContext(deps: Pick<RuntimeDeps, 'store' | 'dags' | 'cipher'>, ref: RunRef): Promise<RunContext> {
  return runContextOf(deps, ref, await deps.store.getDagRun(ref.dag_id, ref.run_id));
}

/**
 * The run context and one task instance (the task's own or one map index), read together: one store
 * round trip for the task's own record, which is what execute and complete read first on every task.
 */
export async function loadRunAndTaskInstance(
  deps: Pick<RuntimeDeps, 'store' | 'dags' | 'cipher'>,
  ref: RunRef,
  taskId: string,
  mapIndex: number | undefined,
): Promise<{ ctx: RunContext; ti: TaskInstanceRecord }> {
  if (mapIndex !== undefined && mapIndex >= 0) {
    const ctx = await loadRunContext(deps, ref);
    return { ctx, ti: await taskInstanceAccess(deps, ref, taskId, mapIndex).load() };
  }
  const { run, ti } = await deps.store.getDagRunAndTaskInstance(ref.dag_id, ref.run_id, taskId);
  const ctx = await runContextOf(deps, ref, run);
  if (!ti) throw new NotFoundError(`task instance '${taskId}' of run '${ref.run_id}' not found`);
  return { ctx, ti };
}

async function runContextOf(deps: Pick<RuntimeDeps, 'dags' | 'cipher'>, ref: RunRef, stored: DagRunRecord | undefined): Promise<RunContext> {
  if (!stored) throw new NotFoundError(`DAG run '${ref.run_id}' of '${ref.dag_id}' not found`);
  const run = stored.sealed_conf ? { ...stored, conf: openRunConf(deps.cipher, stored, confSealContext(stored)) } : stored;
  const dag = await deps.dags.getDag(ref.dag_id, run.dag_version);
  if (!dag) throw new NotFoundError(`DAG '${ref.dag_id}' (version ${run.dag_version ?? 'current'}) not found`);
  const { index, byId } = indexedDag(dag);
  return {
    ref,
    run,
    dag,
    index,
    task(taskId) {
      const task = byId.get(taskId);
      if (!task) throw new NotFoundError(`task '${taskId}' is not in DAG '${dag.dag_id}'`);
      return task;
    },
  };
}

export async function loadTaskInstance(deps: Pick<RuntimeDeps, 'store'>, ref: RunRef, taskId: string): Promise<TaskInstanceRecord> {
  const ti = await deps.store.getTaskInstance(ref.dag_id, ref.run_id, taskId);
  if (!ti) throw new NotFoundError(`task instance '${taskId}' of run '${ref.run_id}' not found`);
  return ti;
}

/** One task instance's record: the task's own (map_index -1) or one index of a mapped task. */
export interface TaskInstanceAccess {
  load(): Promise<TaskInstanceRecord>;
  update(changes: Partial<TaskInstanceRecord>, condition?: TaskInstanceCondition): Promise<TaskInstanceRecord>;
}

export function taskInstanceAccess(deps: Pick<RuntimeDeps, 'store'>, ref: RunRef, taskId: string, mapIndex: number | undefined): TaskInstanceAccess {
  if (mapIndex === undefined || mapIndex < 0) {
    return {
      load: () => loadTaskInstance(deps, ref, taskId),
      update: (changes, condition) => deps.store.updateTaskInstance(ref.dag_id, ref.run_id, taskId, changes, condition),
    };
  }
  return {
    async load() {
      const ti = await deps.store.getMappedTaskInstance(ref.dag_id, ref.run_id, taskId, mapIndex);
      if (!ti) throw new NotFoundError(`task instance '${taskId}' [${mapIndex}] of run '${ref.run_id}' not found`);
      return ti;
    },
    update: (changes, condition) => deps.store.updateMappedTaskInstance(ref.dag_id, ref.run_id, taskId, mapIndex, changes, condition),
  };
}
