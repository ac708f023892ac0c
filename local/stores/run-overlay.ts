/**
 * The store `skydag dags test` runs on. The runs the command creates (the tested run and any run its
 * tasks trigger) live in memory while they run — their task instances, mapped instances, XComs and the
 * concurrency/pool slots their tries hold — and are written to the kept store ($SKYDAG_HOME's) once
 * the command has finished them (persist()). Everything else is read from and written to the kept
 * store as it happens: the DAG's earlier runs (depends_on_past, prev_*_success), other DAGs' runs
 * (ExternalTaskSensor, cross-DAG XCom pulls), dataset events, SLA misses, DAG records, variables,
 * connections, pools' definitions.
 *
 * Why: every call to the embedded store is an HTTP request into LevelDB (~2.5–3.5 ms); a task made
 * about eleven, so `dags test` spent most of its time in the store (chain-100: 5.3 s, of which the
 * in-memory store needs 1.6 s). Airflow's dag.test() keeps the run in its database too, and so does
 * this command — written when the run is complete instead of task by task.
 *
 * What the kept store's other users (a running `skydag dev`) see: nothing of the run until it is
 * kept — then the finished run. The command's runs count only each other for max_active_runs,
 * max_active_tasks and pools (as Airflow's dag.test(), which runs its tasks without the scheduler);
 * a command that dies leaves nothing half-written behind (no running run for the platform's
 * reconciler to adopt, no slot held forever).
 */
import type { DagRunRecord, DatasetEventRecord, SlaMissRecord, TaskInstanceRecord, XComRecord } from '../../shared/model/records.js';
import {
  byLogicalDate,
  claimsLogicalDate,
  dagTaskInstanceOrder,
  DagRunExistsError,
  LogicalDateTakenError,
  newestRunFirst,
  runCreationOrder,
  type ConfigStore,
  type DagRunCondition,
  type DagStore,
  type DagTaskInstance,
  type ListActiveRunsOptions,
  type ListDagTaskInstancesOptions,
  type ListDatasetEventsOptions,
  type ListRunsOptions,
  type ListSlaMissesOptions,
  type ListTaskInstancesOptions,
  type MetadataStore,
  type Page,
  type RunStore,
  type TaskInstanceCondition,
} from '../../shared/stores/metadata.js';
import { MemoryMetadataStore } from './memory-metadata.js';

const runKey = (dagId: string, runId: string) => `${dagId}\u0000${runId}`;

/**
 * A window of `offset`/`limit` over two sorted sources: each is asked the same question from 0 to the
 * window's end (toWindowEnd), the answers are merged in order, and the window is cut from the merge.
 */
function toWindowEnd<T extends { offset?: number; limit?: number }>(options: T): T {
  const offset = options.offset ?? 0;
  return { ...options, offset: 0, ...(options.limit === undefined ? {} : { limit: offset + options.limit }) };
}

function window<T>(options: { offset?: number; limit?: number }, merged: T[]): T[] {
  const offset = options.offset ?? 0;
  return merged.slice(offset, options.limit === undefined ? undefined : offset + options.limit);
}

class RunOverlay implements RunStore {
  private readonly memory = new MemoryMetadataStore();
  /** The runs created through this store, in creation order (a Set keeps insertion order). */
  private readonly own = new Set<string>();
  /** How many of those each DAG has: a DAG with none is answered by the kept store alone. */
  private readonly ownPerDag = new Map<string, number>();
  /**
   * The kept store's answers to listDagRuns for DAGs this command runs, per question: every task's
   * render asks for the previous successful run (prev_*_success), and the kept history of the DAG
   * under test does not change because of the test. Cleared when this store changes a kept run of
   * the DAG. Other DAGs' runs (an ExternalTaskSensor waiting for one to appear) are always read live.
   */
  private readonly keptRunLists = new Map<string, Map<string, Promise<DagRunRecord[]>>>();

  constructor(private readonly kept: MetadataStore) {}

  private owns(dagId: string, runId: string): boolean {
    return this.own.has(runKey(dagId, runId));
  }

  /** The store that holds a run: memory for the runs created here, the kept store for the others. */
  private at(dagId: string, runId: string): RunStore {
    return this.owns(dagId, runId) ? this.memory : this.kept;
  }

  private hasOwnRuns(dagId: string): boolean {
    return (this.ownPerDag.get(dagId) ?? 0) > 0;
  }

  private keptRuns(dagId: string, options: ListRunsOptions): Promise<DagRunRecord[]> {
    if (!this.hasOwnRuns(dagId)) return this.kept.listDagRuns(dagId, options);
    const answers = this.keptRunLists.get(dagId) ?? new Map<string, Promise<DagRunRecord[]>>();
    this.keptRunLists.set(dagId, answers);
    const question = JSON.stringify(options);
    let answer = answers.get(question);
    if (!answer) {
      answer = this.kept.listDagRuns(dagId, options);
      answers.set(question, answer);
      answer.catch(() => answers.delete(question)); // a failed read is asked again
    }
    return answer.then((runs) => structuredClone(runs));
  }

  private keptRunsChanged(dagId: string): void {
    this.keptRunLists.delete(dagId);
  }

  // ---- runs

  async createDagRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    // The run id and the logical date must be free in the kept store too, or keeping the run would fail.
    if (await this.kept.getDagRun(run.dag_id, run.run_id)) throw new DagRunExistsError(run.dag_id, run.run_id);
    if (claimsLogicalDate(run)) {
      const at = Date.parse(run.logical_date);
      const near = await this.kept.listDagRuns(run.dag_id, { logicalDateBefore: new Date(at + 1).toISOString(), limit: 50 });
      const holder = near.find((other) => Date.parse(other.logical_date) === at && claimsLogicalDate(other));
      if (holder) throw new LogicalDateTakenError(run.dag_id, run.run_id, run.logical_date, holder.run_id);
    }
    await this.memory.createDagRun(run, taskInstances);
    this.own.add(runKey(run.dag_id, run.run_id));
    this.ownPerDag.set(run.dag_id, (this.ownPerDag.get(run.dag_id) ?? 0) + 1);
  }

  getDagRun(dagId: string, runId: string): Promise<DagRunRecord | undefined> {
    return this.at(dagId, runId).getDagRun(dagId, runId);
  }

  async updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>, condition?: DagRunCondition): Promise<DagRunRecord> {
    if (this.owns(dagId, runId)) return this.memory.updateDagRun(dagId, runId, changes, condition);
    this.keptRunsChanged(dagId);
    return this.kept.updateDagRun(dagId, runId, changes, condition);
  }

  async listDagRuns(dagId: string, options: ListRunsOptions = {}): Promise<DagRunRecord[]> {
    if (!this.hasOwnRuns(dagId)) return this.kept.listDagRuns(dagId, options);
    const upTo = toWindowEnd(options);
    const [kept, mine] = await Promise.all([this.keptRuns(dagId, upTo), this.memory.listDagRuns(dagId, upTo)]);
    return window(options, [...kept, ...mine].sort(newestRunFirst));
  }

  async listDagRunsByCreation(dagId: string, page: { offset: number; limit: number; descending?: boolean }): Promise<Page<DagRunRecord>> {
    if (!this.hasOwnRuns(dagId)) return this.kept.listDagRunsByCreation(dagId, page);
    const upTo = toWindowEnd(page);
    const [kept, mine] = await Promise.all([this.kept.listDagRunsByCreation(dagId, upTo), this.memory.listDagRunsByCreation(dagId, upTo)]);
    return { items: window(page, [...kept.items, ...mine.items].sort(runCreationOrder(page.descending))), total: kept.total + mine.total };
  }

  /** The command's own active runs: the kept store's belong to the platform, which runs them. */
  listActiveDagRuns(options?: ListActiveRunsOptions): Promise<DagRunRecord[]> {
    return this.memory.listActiveDagRuns(options);
  }

  async deleteDagRun(dagId: string, runId: string): Promise<void> {
    const key = runKey(dagId, runId);
    if (!this.own.delete(key)) {
      this.keptRunsChanged(dagId);
      return this.kept.deleteDagRun(dagId, runId);
    }
    this.ownPerDag.set(dagId, this.ownPerDag.get(dagId)! - 1);
    await this.memory.deleteDagRun(dagId, runId);
  }

  // ---- task instances

  getTaskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord | undefined> {
    return this.at(dagId, runId).getTaskInstance(dagId, runId, taskId);
  }

  getTaskInstances(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord | undefined)[]> {
    return this.at(dagId, runId).getTaskInstances(dagId, runId, taskIds);
  }

  getTaskInstanceStates(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord['state'] | undefined)[]> {
    return this.at(dagId, runId).getTaskInstanceStates(dagId, runId, taskIds);
  }

  getDagRunAndTaskInstance(dagId: string, runId: string, taskId: string): Promise<{ run: DagRunRecord | undefined; ti: TaskInstanceRecord | undefined }> {
    return this.at(dagId, runId).getDagRunAndTaskInstance(dagId, runId, taskId);
  }

  listTaskInstances(dagId: string, runId: string, options?: ListTaskInstancesOptions): Promise<TaskInstanceRecord[]> {
    return this.at(dagId, runId).listTaskInstances(dagId, runId, options);
  }

  /** Slot waiters are the command's own: the slots they wait for are held in memory. */
  listWaitingTaskInstances(dagId: string, limit?: number): Promise<TaskInstanceRecord[]> {
    return this.memory.listWaitingTaskInstances(dagId, limit);
  }

  async listDagTaskInstances(dagId: string, options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    if (!this.hasOwnRuns(dagId)) return this.kept.listDagTaskInstances(dagId, options);
    const upTo = toWindowEnd(options);
    const [kept, mine] = await Promise.all([this.kept.listDagTaskInstances(dagId, upTo), this.memory.listDagTaskInstances(dagId, upTo)]);
    // A stable sort: a run's task instances (all from one of the two) keep their creation order.
    return { items: window(options, [...kept.items, ...mine.items].sort(dagTaskInstanceOrder)), total: kept.total + mine.total };
  }

  async listTaskInstancesOfDags(dagIds: readonly string[], options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    if (!dagIds.some((id) => this.hasOwnRuns(id))) return this.kept.listTaskInstancesOfDags(dagIds, options);
    const upTo = toWindowEnd(options);
    const each = await Promise.all(dagIds.map((id) => this.listDagTaskInstances(id, upTo)));
    return { items: window(options, each.flatMap((p) => p.items).sort(byLogicalDate)), total: each.reduce((n, p) => n + p.total, 0) };
  }

  updateTaskInstance(dagId: string, runId: string, taskId: string, changes: Partial<TaskInstanceRecord>, condition?: TaskInstanceCondition): Promise<TaskInstanceRecord> {
    return this.at(dagId, runId).updateTaskInstance(dagId, runId, taskId, changes, condition);
  }

  createMappedTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    return this.at(dagId, runId).createMappedTaskInstances(dagId, runId, taskInstances);
  }

  listMappedTaskInstances(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord[]> {
    return this.at(dagId, runId).listMappedTaskInstances(dagId, runId, taskId);
  }

  getMappedTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number): Promise<TaskInstanceRecord | undefined> {
    return this.at(dagId, runId).getMappedTaskInstance(dagId, runId, taskId, mapIndex);
  }

  updateMappedTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number, changes: Partial<TaskInstanceRecord>, condition?: TaskInstanceCondition): Promise<TaskInstanceRecord> {
    return this.at(dagId, runId).updateMappedTaskInstance(dagId, runId, taskId, mapIndex, changes, condition);
  }

  // ---- slots: the command's tries count each other only (see the module's comment)

  acquireSlot(scope: string, limit: number, holder: string, slots?: number): Promise<boolean> {
    return this.memory.acquireSlot(scope, limit, holder, slots);
  }

  releaseSlot(scope: string, holder: string): Promise<void> {
    return this.memory.releaseSlot(scope, holder);
  }

  listSlotHolders(scope: string) {
    return this.memory.listSlotHolders(scope);
  }

  // ---- XComs

  setXCom(record: XComRecord): Promise<void> {
    return this.at(record.dag_id, record.run_id).setXCom(record);
  }

  async addXComs(records: readonly XComRecord[]): Promise<void> {
    const mine = records.filter((x) => this.owns(x.dag_id, x.run_id));
    await Promise.all([this.memory.addXComs(mine), this.kept.addXComs(records.filter((x) => !this.owns(x.dag_id, x.run_id)))]);
  }

  getXCom(dagId: string, runId: string, taskId: string, key: string, mapIndex?: number): Promise<XComRecord | undefined> {
    return this.at(dagId, runId).getXCom(dagId, runId, taskId, key, mapIndex);
  }

  listXComs(dagId: string, runId: string, taskId?: string): Promise<XComRecord[]> {
    return this.at(dagId, runId).listXComs(dagId, runId, taskId);
  }

  deleteXComs(dagId: string, runId: string, taskId: string, mapIndex?: number): Promise<void> {
    return this.at(dagId, runId).deleteXComs(dagId, runId, taskId, mapIndex);
  }

  // ---- datasets, SLA misses and kept totals: the kept store's, as they happen

  appendDatasetEvent(record: DatasetEventRecord): Promise<void> {
    return this.kept.appendDatasetEvent(record);
  }

  listDatasetEvents(options?: ListDatasetEventsOptions): Promise<Page<DatasetEventRecord>> {
    return this.kept.listDatasetEvents(options);
  }

  latestDatasetEvents(uri: string, limit: number, beforeId?: number): Promise<DatasetEventRecord[]> {
    return this.kept.latestDatasetEvents(uri, limit, beforeId);
  }

  listDatasetUpdates() {
    return this.kept.listDatasetUpdates();
  }

  createSlaMiss(record: SlaMissRecord): Promise<boolean> {
    return this.kept.createSlaMiss(record);
  }

  updateSlaMiss(dagId: string, taskId: string, executionDate: string, changes: Parameters<RunStore['updateSlaMiss']>[3]): Promise<SlaMissRecord> {
    return this.kept.updateSlaMiss(dagId, taskId, executionDate, changes);
  }

  listSlaMisses(options?: ListSlaMissesOptions): Promise<Page<SlaMissRecord>> {
    return this.kept.listSlaMisses(options);
  }

  async repairKeptCounts(now: Date): Promise<string[]> {
    return (await this.kept.repairKeptCounts?.(now)) ?? [];
  }

  // ---- keeping the runs

  /**
   * Writes every run created here (run and task instances in one creation, then mapped instances and
   * XComs) to the kept store, in creation order. A run the kept store refuses (another process took
   * its id or logical date meanwhile) is reported and the others are still written.
   */
  async persist(): Promise<{ kept: string[]; refused: { run: string; error: Error }[] }> {
    const kept: string[] = [];
    const refused: { run: string; error: Error }[] = [];
    for (const key of this.own) {
      const [dagId, runId] = key.split('\u0000') as [string, string];
      const run = (await this.memory.getDagRun(dagId, runId))!;
      const tis = await this.memory.listTaskInstances(dagId, runId);
      try {
        await this.kept.createDagRun(run, tis);
      } catch (error) {
        refused.push({ run: `${dagId}/${runId}`, error: error as Error });
        continue;
      }
      for (const ti of tis) {
        const mapped = await this.memory.listMappedTaskInstances(dagId, runId, ti.task_id);
        if (mapped.length > 0) await this.kept.createMappedTaskInstances(dagId, runId, mapped);
      }
      await this.kept.addXComs(await this.memory.listXComs(dagId, runId));
      this.keptRunsChanged(dagId);
      kept.push(`${dagId}/${runId}`);
    }
    return { kept, refused };
  }
}

export type RunOverlayStore = MetadataStore & Pick<RunOverlay, 'persist'>;

/**
 * A store whose runs created through it stay in memory until persist() (see the module's comment);
 * DAG records, versions, import errors, variables, connections, pools, users, roles, the repository
 * and the audit log are the kept store's.
 */
export function runOverlayStore(kept: MetadataStore): RunOverlayStore {
  const runs = new RunOverlay(kept);
  const rest: DagStore & ConfigStore = kept;
  return new Proxy(runs, {
    has: (target, name) => name in target || name in rest,
    get(target, name, receiver) {
      if (name in target) return Reflect.get(target, name, receiver) as unknown;
      const value = Reflect.get(rest, name) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(rest) : value;
    },
  }) as unknown as RunOverlayStore;
}
