/**
 * In-memory metadata store: `skydag dags test` and unit tests. Conditions are checked and applied in
 * one synchronous step, so concurrent handlers race exactly as they would on DynamoDB's conditional
 * writes. Records are copied in and out, so callers never share mutable state with the store.
 */
import type { DagRunRecord, TaskInstanceRecord, XComRecord } from '../../shared/model/records.js';
import {
  ConditionFailedError,
  DagRunExistsError,
  NotFoundError,
  type ListRunsOptions,
  type RunStore,
  type TaskInstanceCondition,
} from '../../shared/stores/metadata.js';

const key = (...parts: string[]) => parts.join('\u0000');
const copy = <T>(value: T): T => structuredClone(value);

export class MemoryMetadataStore implements RunStore {
  private readonly runs = new Map<string, DagRunRecord>();
  private readonly tis = new Map<string, Map<string, TaskInstanceRecord>>();
  private readonly xcoms = new Map<string, XComRecord>();
  private readonly slots = new Map<string, number>();

  async acquireSlot(scope: string, limit: number): Promise<boolean> {
    const taken = this.slots.get(scope) ?? 0;
    if (taken >= limit) return false;
    this.slots.set(scope, taken + 1);
    return true;
  }

  async releaseSlot(scope: string): Promise<void> {
    this.slots.set(scope, Math.max(0, (this.slots.get(scope) ?? 0) - 1));
  }

  async createDagRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const k = key(run.dag_id, run.run_id);
    if (this.runs.has(k)) throw new DagRunExistsError(run.dag_id, run.run_id);
    this.runs.set(k, copy(run));
    this.tis.set(k, new Map(taskInstances.map((ti) => [ti.task_id, copy(ti)])));
  }

  async getDagRun(dagId: string, runId: string): Promise<DagRunRecord | undefined> {
    const run = this.runs.get(key(dagId, runId));
    return run && copy(run);
  }

  async updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>): Promise<DagRunRecord> {
    const run = this.runs.get(key(dagId, runId));
    if (!run) throw new NotFoundError(`DAG run '${runId}' of '${dagId}' not found`);
    Object.assign(run, copy(changes));
    return copy(run);
  }

  async listDagRuns(dagId: string, options: ListRunsOptions = {}): Promise<DagRunRecord[]> {
    const runs = [...this.runs.values()]
      .filter((r) => r.dag_id === dagId)
      .filter((r) => !options.states || options.states.includes(r.state))
      .filter((r) => !options.logicalDateBefore || Date.parse(r.logical_date) < Date.parse(options.logicalDateBefore))
      .sort((a, b) => Date.parse(b.logical_date) - Date.parse(a.logical_date) || b.run_id.localeCompare(a.run_id));
    return copy(options.limit === undefined ? runs : runs.slice(0, options.limit));
  }

  async deleteDagRun(dagId: string, runId: string): Promise<void> {
    const k = key(dagId, runId);
    this.runs.delete(k);
    this.tis.delete(k);
    for (const [xk, x] of this.xcoms) if (x.dag_id === dagId && x.run_id === runId) this.xcoms.delete(xk);
  }

  async getTaskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord | undefined> {
    const ti = this.tis.get(key(dagId, runId))?.get(taskId);
    return ti && copy(ti);
  }

  async listTaskInstances(dagId: string, runId: string): Promise<TaskInstanceRecord[]> {
    return copy([...(this.tis.get(key(dagId, runId))?.values() ?? [])]);
  }

  async updateTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    changes: Partial<TaskInstanceRecord>,
    condition: TaskInstanceCondition = {},
  ): Promise<TaskInstanceRecord> {
    const ti = this.tis.get(key(dagId, runId))?.get(taskId);
    if (!ti) throw new NotFoundError(`task instance ${dagId}.${taskId} of run '${runId}' not found`);
    const failed =
      (condition.stateIn && !condition.stateIn.includes(ti.state)) ||
      (condition.decisionAbsent && ti.decision !== null) ||
      (condition.tryNumber !== undefined && ti.try_number !== condition.tryNumber);
    if (failed) throw new ConditionFailedError(`condition failed for task instance ${taskId}`, copy(ti));
    Object.assign(ti, copy(changes));
    return copy(ti);
  }

  async setXCom(record: XComRecord): Promise<void> {
    this.xcoms.set(key(record.dag_id, record.run_id, record.task_id, String(record.map_index), record.key), copy(record));
  }

  async getXCom(dagId: string, runId: string, taskId: string, xcomKey: string): Promise<XComRecord | undefined> {
    const x = this.xcoms.get(key(dagId, runId, taskId, '-1', xcomKey));
    return x && copy(x);
  }

  async listXComs(dagId: string, runId: string, taskId?: string): Promise<XComRecord[]> {
    return copy([...this.xcoms.values()].filter((x) => x.dag_id === dagId && x.run_id === runId && (taskId === undefined || x.task_id === taskId)));
  }

  async deleteXComs(dagId: string, runId: string, taskId: string): Promise<void> {
    for (const [k, x] of this.xcoms) if (x.dag_id === dagId && x.run_id === runId && x.task_id === taskId) this.xcoms.delete(k);
  }
}
