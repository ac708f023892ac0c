/**
 * In-memory metadata store: `skydag dags test`, unit tests and the reference the contract suite
 * compares the DynamoDB adapter with. Conditions are checked and applied in
 * one synchronous step, so concurrent handlers race exactly as they would on DynamoDB's conditional
 * writes. Records are copied in and out, so callers never share mutable state with the store.
 */
import type {
  AuditLogRecord,
  ConnectionRecord,
  DagRecord,
  DagRunRecord,
  DatasetEventRecord,
  DagVersionHeader,
  DagVersionRecord,
  ImportErrorRecord,
  PoolRecord,
  RepositoryKind,
  RepositoryVersionRecord,
  RoleRecord,
  TaskInstanceRecord,
  SignInFailuresRecord,
  SlaMissRecord,
  UserRecord,
  VariableRecord,
  XComRecord,
} from '../../shared/model/records.js';
import {
  activeRunOrder,
  claimsLogicalDate,
  byLogicalDate,
  runCreationOrder,
  newestRunFirst,
  dagTaskInstanceOrder,
  datasetEventOrder,
  slaMissOrder,
  isActiveRunState,
  type ListActiveRunsOptions,
  ConditionFailedError,
  DagRunExistsError,
  LogicalDateTakenError,
  NotFoundError,
  signInFailuresExpiry,
  signInFailuresLapsed,
  type ListAuditOptions,
  type DatasetUpdate,
  type ListDatasetEventsOptions,
  type ListSlaMissesOptions,
  dagListed,
  type ListDagsOptions,
  type ListRunsOptions,
  type ListTaskInstancesOptions,
  type MetadataStore,
  type Page,
  type PageOptions,
  type SlotHolding,
  type DagRunCondition,
  type TaskInstanceCondition,
  type DagTaskInstance,
  type ListDagTaskInstancesOptions,
} from '../../shared/stores/metadata.js';
import { copyRecord } from './copy-record.js';

const key = (...parts: string[]) => parts.join('\u0000');
/** Records are copied in and out (a caller never holds the store's own): copy-record.ts. */
const copy = <T>(value: T): T => copyRecord(value);
/** The instant a logical date names (an unparsable date is its own key). */
const runDateKey = (logicalDate: string): string => {
  const ms = Date.parse(logicalDate);
  return Number.isNaN(ms) ? logicalDate : String(ms);
};

function page<T>(items: T[], options: PageOptions = {}): Page<T> {
  const offset = options.offset ?? 0;
  const slice = options.limit === undefined ? items.slice(offset) : items.slice(offset, offset + options.limit);
  return { items: copy(slice), total: items.length };
}

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

export class MemoryMetadataStore implements MetadataStore {
  private readonly dags = new Map<string, DagRecord>();
  private readonly versions = new Map<string, DagVersionRecord>();
  private readonly importErrors = new Map<string, ImportErrorRecord>();
  private readonly variables = new Map<string, VariableRecord>();
  private readonly connections = new Map<string, ConnectionRecord>();
  private readonly pools = new Map<string, PoolRecord>();
  private readonly repository = new Map<string, RepositoryVersionRecord>();
  private readonly users = new Map<string, UserRecord>();
  private readonly roles = new Map<string, RoleRecord>();
  private readonly signInFailures = new Map<string, SignInFailuresRecord>();
  private readonly audit: AuditLogRecord[] = [];
  private readonly datasetEvents = new Map<number, DatasetEventRecord>();
  private readonly slaMisses = new Map<string, SlaMissRecord>();

  private readonly runs = new Map<string, DagRunRecord>();
  /** (dag_id, logical date instant) → the run id holding it. */
  private readonly runDates = new Map<string, string>();
  private readonly tis = new Map<string, Map<string, TaskInstanceRecord>>();
  /** run key → task id → map_index → mapped task instance. */
  private readonly mappedTis = new Map<string, Map<string, Map<number, TaskInstanceRecord>>>();
  /** run key → the run's XComs in first-write order (by task/map index/key), with each task's keys: a run's own reads cost the run, not the store. */
  private readonly xcoms = new Map<string, { all: Map<string, XComRecord>; byTask: Map<string, Set<string>> }>();
  /** dag_id → its task instances (map_index -1) in state `scheduled` (listWaitingTaskInstances' index, as DynamoDB's). */
  private readonly waiting = new Map<string, Set<TaskInstanceRecord>>();
  /** A task instance's position in its run's creation order. */
  private readonly creationOrd = new WeakMap<TaskInstanceRecord, number>();
  /** scope → holder → slots held. */
  private readonly slots = new Map<string, Map<string, number>>();

  async acquireSlot(scope: string, limit: number, holder: string, slots = 1): Promise<boolean> {
    if (Number.isNaN(limit)) throw new TypeError(`acquireSlot('${scope}'): the limit must be a number`);
    const holders = this.slots.get(scope) ?? new Map<string, number>();
    if (holders.has(holder)) return true;
    const taken = [...holders.values()].reduce((a, b) => a + b, 0);
    if (taken + slots > limit) return false;
    holders.set(holder, slots);
    this.slots.set(scope, holders);
    return true;
  }

  async releaseSlot(scope: string, holder: string): Promise<void> {
    this.slots.get(scope)?.delete(holder);
  }

  async listSlotHolders(scope: string): Promise<SlotHolding[]> {
    return [...(this.slots.get(scope) ?? [])].map(([holder, slots]) => ({ holder, slots }));
  }

  async createDagRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const k = key(run.dag_id, run.run_id);
    if (this.runs.has(k)) throw new DagRunExistsError(run.dag_id, run.run_id);
    if (claimsLogicalDate(run)) this.claimDate(run.dag_id, run.run_id, run.logical_date);
    this.runs.set(k, copy(run));
    const tis = new Map(taskInstances.map((ti) => [ti.task_id, copy(ti)]));
    this.tis.set(k, tis);
    [...tis.values()].forEach((ti, ord) => {
      this.creationOrd.set(ti, ord);
      this.indexWaiting(ti);
    });
  }

  /** One run per DAG and logical date (to the millisecond), as the DynamoDB adapter's RUNDATE item. */
  private claimDate(dagId: string, runId: string, logicalDate: string): void {
    const dateKey = key(dagId, runDateKey(logicalDate));
    const holder = this.runDates.get(dateKey);
    if (holder !== undefined && holder !== runId) throw new LogicalDateTakenError(dagId, runId, logicalDate, holder);
    this.runDates.set(dateKey, runId);
  }

  private releaseDate(dagId: string, runId: string, logicalDate: string): void {
    const dateKey = key(dagId, runDateKey(logicalDate));
    if (this.runDates.get(dateKey) === runId) this.runDates.delete(dateKey);
  }

  async getDagRun(dagId: string, runId: string): Promise<DagRunRecord | undefined> {
    const run = this.runs.get(key(dagId, runId));
    return run && copy(run);
  }

  async updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>, condition: DagRunCondition = {}): Promise<DagRunRecord> {
    const run = this.runs.get(key(dagId, runId));
    if (!run) throw new NotFoundError(`DAG run '${runId}' of '${dagId}' not found`);
    const failed = (condition.stateIn && !condition.stateIn.includes(run.state)) || (condition.effectsDueIs !== undefined && run.effects_due !== condition.effectsDueIs);
    if (failed) throw new ConditionFailedError(`condition failed for DAG run '${runId}' of '${dagId}'`, copy(run));
    if (changes.logical_date !== undefined && claimsLogicalDate(run) && runDateKey(changes.logical_date) !== runDateKey(run.logical_date)) {
      this.claimDate(dagId, runId, changes.logical_date);
      this.releaseDate(dagId, runId, run.logical_date);
    }
    Object.assign(run, copy(changes));
    return copy(run);
  }

  async listDagRuns(dagId: string, options: ListRunsOptions = {}): Promise<DagRunRecord[]> {
    const runs = [...this.runs.values()]
      .filter((r) => r.dag_id === dagId)
      .filter((r) => !options.states || options.states.includes(r.state))
      .filter((r) => !options.logicalDateBefore || Date.parse(r.logical_date) < Date.parse(options.logicalDateBefore))
      .sort(newestRunFirst);
    const offset = options.offset ?? 0;
    return copy(options.limit === undefined ? runs.slice(offset) : runs.slice(offset, offset + options.limit));
  }

  async listDagRunsByCreation(dagId: string, { offset, limit, descending }: { offset: number; limit: number; descending?: boolean }): Promise<Page<DagRunRecord>> {
    const runs = [...this.runs.values()].filter((r) => r.dag_id === dagId).sort(runCreationOrder(descending));
    return copy(page(runs, { offset, limit }));
  }

  async listActiveDagRuns(options: ListActiveRunsOptions = {}): Promise<DagRunRecord[]> {
    const runs = [...this.runs.values()]
      .filter((r) => (options.owingEffects ? !isActiveRunState(r.state) && !!r.effects_due : isActiveRunState(r.state)) && (options.dagId === undefined || r.dag_id === options.dagId))
      .filter((r) => options.owingEffects || !options.states || options.states.includes(r.state));
    return copy(options.dagId === undefined ? runs.sort(activeRunOrder) : runs.sort(newestRunFirst));
  }

  async deleteDagRun(dagId: string, runId: string): Promise<void> {
    const k = key(dagId, runId);
    const run = this.runs.get(k);
    if (run) this.releaseDate(dagId, runId, run.logical_date);
    this.runs.delete(k);
    for (const ti of this.tis.get(k)?.values() ?? []) this.waiting.get(dagId)?.delete(ti);
    this.tis.delete(k);
    this.mappedTis.delete(k);
    this.xcoms.delete(k);
  }

  async getTaskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord | undefined> {
    const ti = this.tis.get(key(dagId, runId))?.get(taskId);
    return ti && copy(ti);
  }

  async listTaskInstances(dagId: string, runId: string, options: ListTaskInstancesOptions = {}): Promise<TaskInstanceRecord[]> {
    const all = [...(this.tis.get(key(dagId, runId))?.values() ?? [])];
    // Filtered before copying: slot waiters are a few task instances of a large run.
    const { states } = options;
    return copy(states ? all.filter((ti) => states.includes(ti.state)) : all);
  }

  async getTaskInstances(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord | undefined)[]> {
    const tis = this.tis.get(key(dagId, runId));
    return taskIds.map((id) => {
      const ti = tis?.get(id);
      return ti && copy(ti);
    });
  }

  async getTaskInstanceStates(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord['state'] | undefined)[]> {
    const tis = this.tis.get(key(dagId, runId));
    return taskIds.map((id) => tis?.get(id)?.state);
  }

  /** Keeps a task instance (map_index -1) in its DAG's waiting index while it is `scheduled`. */
  private indexWaiting(ti: TaskInstanceRecord): void {
    if (ti.state === 'scheduled') {
      const set = this.waiting.get(ti.dag_id) ?? new Set<TaskInstanceRecord>();
      this.waiting.set(ti.dag_id, set);
      set.add(ti);
    } else this.waiting.get(ti.dag_id)?.delete(ti);
  }

  async listWaitingTaskInstances(dagId: string, limit = Infinity): Promise<TaskInstanceRecord[]> {
    const waiting = [...(this.waiting.get(dagId) ?? [])].map((ti) => ({ ti, logicalDate: this.runs.get(key(dagId, ti.run_id))!.logical_date, ord: this.creationOrd.get(ti) ?? 0 }));
    waiting.sort((a, b) => Date.parse(a.logicalDate) - Date.parse(b.logicalDate) || (a.ti.run_id < b.ti.run_id ? -1 : a.ti.run_id > b.ti.run_id ? 1 : 0) || a.ord - b.ord);
    return copy(waiting.slice(0, limit).map((w) => w.ti));
  }

  async getDagRunAndTaskInstance(dagId: string, runId: string, taskId: string): Promise<{ run: DagRunRecord | undefined; ti: TaskInstanceRecord | undefined }> {
    return { run: await this.getDagRun(dagId, runId), ti: await this.getTaskInstance(dagId, runId, taskId) };
  }

  async listDagTaskInstances(dagId: string, options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    const gte = options.logicalDateGte === undefined ? -Infinity : Date.parse(options.logicalDateGte);
    const lte = options.logicalDateLte === undefined ? Infinity : Date.parse(options.logicalDateLte);
    const { states } = options;
    const rows: DagTaskInstance[] = [];
    for (const run of this.runs.values()) {
      const at = Date.parse(run.logical_date);
      if (run.dag_id !== dagId || !(at >= gte && at <= lte)) continue;
      for (const ti of this.tis.get(key(dagId, run.run_id))?.values() ?? []) {
        if (!states || states.includes(ti.state)) rows.push({ ti, logical_date: run.logical_date });
      }
    }
    // A stable sort: a run's task instances keep their creation order.
    return copy(page(rows.sort(dagTaskInstanceOrder), options));
  }

  async listTaskInstancesOfDags(dagIds: readonly string[], options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    const { offset: _offset, limit: _limit, ...filters } = options;
    const each = await Promise.all(dagIds.map((id) => this.listDagTaskInstances(id, filters)));
    return page(each.flatMap((p) => p.items).sort(byLogicalDate), options);
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
    const updated = this.applyTaskInstanceChange(ti, changes, condition);
    this.indexWaiting(ti);
    return updated;
  }

  async createMappedTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    const k = key(dagId, runId);
    const byTask = this.mappedTis.get(k) ?? new Map<string, Map<number, TaskInstanceRecord>>();
    this.mappedTis.set(k, byTask);
    for (const ti of taskInstances) {
      const indexes = byTask.get(ti.task_id) ?? new Map<number, TaskInstanceRecord>();
      byTask.set(ti.task_id, indexes);
      if (!indexes.has(ti.map_index)) indexes.set(ti.map_index, copy(ti));
    }
  }

  async listMappedTaskInstances(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord[]> {
    const indexes = this.mappedTis.get(key(dagId, runId))?.get(taskId);
    return copy([...(indexes?.values() ?? [])].sort((a, b) => a.map_index - b.map_index));
  }

  async getMappedTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number): Promise<TaskInstanceRecord | undefined> {
    const ti = this.mappedTis.get(key(dagId, runId))?.get(taskId)?.get(mapIndex);
    return ti && copy(ti);
  }

  async updateMappedTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    changes: Partial<TaskInstanceRecord>,
    condition: TaskInstanceCondition = {},
  ): Promise<TaskInstanceRecord> {
    const ti = this.mappedTis.get(key(dagId, runId))?.get(taskId)?.get(mapIndex);
    if (!ti) throw new NotFoundError(`task instance ${dagId}.${taskId}[${mapIndex}] of run '${runId}' not found`);
    return this.applyTaskInstanceChange(ti, changes, condition);
  }

  private applyTaskInstanceChange(ti: TaskInstanceRecord, changes: Partial<TaskInstanceRecord>, condition: TaskInstanceCondition): TaskInstanceRecord {
    const failed =
      (condition.stateIn && !condition.stateIn.includes(ti.state)) ||
      (condition.decisionAbsent && ti.decision !== null) ||
      (condition.tryNumber !== undefined && ti.try_number !== condition.tryNumber) ||
      (condition.tokenIs !== undefined && ti.token !== condition.tokenIs) ||
      (condition.waitInvocationIs !== undefined && (ti.wait_invocation ?? 0) !== condition.waitInvocationIs) ||
      (condition.effectsDueIs !== undefined && ti.effects_due !== condition.effectsDueIs);
    if (failed) throw new ConditionFailedError(`condition failed for task instance ${ti.task_id}${ti.map_index >= 0 ? `[${ti.map_index}]` : ''}`, copy(ti));
    Object.assign(ti, copy(changes));
    return copy(ti);
  }

  async addXComs(records: readonly XComRecord[]): Promise<void> {
    for (const record of records) await this.setXCom(record);
  }

  async setXCom(record: XComRecord): Promise<void> {
    const k = key(record.dag_id, record.run_id);
    const run = this.xcoms.get(k) ?? { all: new Map<string, XComRecord>(), byTask: new Map<string, Set<string>>() };
    this.xcoms.set(k, run);
    const xk = key(record.task_id, String(record.map_index), record.key);
    run.all.set(xk, copy(record)); // an overwrite keeps the first write's place
    const keys = run.byTask.get(record.task_id) ?? new Set<string>();
    run.byTask.set(record.task_id, keys);
    keys.add(xk);
  }

  async getXCom(dagId: string, runId: string, taskId: string, xcomKey: string, mapIndex = -1): Promise<XComRecord | undefined> {
    const x = this.xcoms.get(key(dagId, runId))?.all.get(key(taskId, String(mapIndex), xcomKey));
    return x && copy(x);
  }

  async listXComs(dagId: string, runId: string, taskId?: string): Promise<XComRecord[]> {
    const run = this.xcoms.get(key(dagId, runId));
    if (!run) return [];
    if (taskId === undefined) return copy([...run.all.values()]);
    // A task's keys are added and removed with the run's, so they are in the same first-write order.
    return copy([...(run.byTask.get(taskId) ?? [])].map((xk) => run.all.get(xk)!));
  }

  async deleteXComs(dagId: string, runId: string, taskId: string, mapIndex?: number): Promise<void> {
    const run = this.xcoms.get(key(dagId, runId));
    const keys = run?.byTask.get(taskId);
    if (!run || !keys) return;
    for (const xk of keys) {
      if (mapIndex !== undefined && run.all.get(xk)?.map_index !== mapIndex) continue;
      run.all.delete(xk);
      keys.delete(xk);
    }
  }

  // ---- DAGs, versions, import errors

  async deleteDag(dagId: string): Promise<boolean> {
    return this.dags.delete(dagId);
  }

  async putDag(record: DagRecord): Promise<void> {
    this.dags.set(record.dag_id, copy(record));
  }

  async getDag(dagId: string): Promise<DagRecord | undefined> {
    const dag = this.dags.get(dagId);
    return dag && copy(dag);
  }

  async updateDag(dagId: string, changes: Partial<DagRecord>): Promise<DagRecord> {
    const dag = this.dags.get(dagId);
    if (!dag) throw new NotFoundError(`DAG '${dagId}' not found`);
    Object.assign(dag, copy(changes));
    return copy(dag);
  }

  async listDags(options: ListDagsOptions = {}): Promise<Page<DagRecord>> {
    const items = [...this.dags.values()].filter((d) => dagListed(d, options)).sort(byKey((d) => d.dag_id));
    return page(items, options);
  }

  async putDagVersion(record: DagVersionRecord): Promise<void> {
    const k = key(record.dag_id, record.version);
    const existing = this.versions.get(k);
    if (!existing) this.versions.set(k, copy(record));
    else if (existing.state_machine_version_arn === undefined && record.state_machine_version_arn !== undefined) {
      this.versions.set(k, { ...existing, state_machine_version_arn: record.state_machine_version_arn });
    }
  }

  async getDagVersion(dagId: string, version: string): Promise<DagVersionRecord | undefined> {
    const v = this.versions.get(key(dagId, version));
    return v && copy(v);
  }

  async listDagVersions(dagId: string): Promise<DagVersionHeader[]> {
    return [...this.versions.values()]
      .filter((v) => v.dag_id === dagId)
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .map(({ model: _model, source: _source, ...rest }) => copy(rest));
  }

  async putImportError(record: ImportErrorRecord): Promise<void> {
    this.importErrors.set(record.filename, copy(record));
  }

  async deleteImportError(filename: string): Promise<void> {
    this.importErrors.delete(filename);
  }

  async listImportErrors(options: PageOptions = {}): Promise<Page<ImportErrorRecord>> {
    return page([...this.importErrors.values()].sort(byKey((e) => e.filename)), options);
  }

  // ---- variables, connections, pools, users, audit log

  async getVariable(k: string): Promise<VariableRecord | undefined> {
    const v = this.variables.get(k);
    return v && copy(v);
  }

  async putVariable(record: VariableRecord): Promise<void> {
    this.variables.set(record.key, copy(record));
  }

  async deleteVariable(k: string): Promise<boolean> {
    return this.variables.delete(k);
  }

  async listVariables(options: PageOptions = {}): Promise<Page<VariableRecord>> {
    return page([...this.variables.values()].sort(byKey((v) => v.key)), options);
  }

  async getConnection(connId: string): Promise<ConnectionRecord | undefined> {
    const c = this.connections.get(connId);
    return c && copy(c);
  }

  async putConnection(record: ConnectionRecord): Promise<void> {
    this.connections.set(record.conn_id, copy(record));
  }

  async deleteConnection(connId: string): Promise<boolean> {
    return this.connections.delete(connId);
  }

  async listConnections(options: PageOptions = {}): Promise<Page<ConnectionRecord>> {
    return page([...this.connections.values()].sort(byKey((c) => c.conn_id)), options);
  }

  async getPool(name: string): Promise<PoolRecord | undefined> {
    const p = this.pools.get(name);
    return p && copy(p);
  }

  async putPool(record: PoolRecord): Promise<void> {
    this.pools.set(record.name, copy(record));
  }

  async deletePool(name: string): Promise<boolean> {
    return this.pools.delete(name);
  }

  async listPools(options: PageOptions = {}): Promise<Page<PoolRecord>> {
    return page([...this.pools.values()].sort(byKey((p) => p.name)), options);
  }

  async putRepositoryVersion(record: RepositoryVersionRecord, options: { createOnly?: boolean } = {}): Promise<void> {
    const id = key(record.kind, record.name, String(record.version));
    if (options.createOnly && this.repository.has(id)) throw new ConditionFailedError(`${record.kind} '${record.name}' version ${record.version} already exists`, undefined);
    this.repository.set(id, copy(record));
  }

  async getRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<RepositoryVersionRecord | undefined> {
    const r = this.repository.get(key(kind, name, String(version)));
    return r && copy(r);
  }

  async listRepositoryVersions(kind: RepositoryKind, name?: string): Promise<RepositoryVersionRecord[]> {
    const matching = [...this.repository.values()].filter((r) => r.kind === kind && (name === undefined || r.name === name));
    return copy(matching.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version));
  }

  async deleteRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<boolean> {
    return this.repository.delete(key(kind, name, String(version)));
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const u = this.users.get(username);
    return u && copy(u);
  }

  async putUser(record: UserRecord, options: { createOnly?: boolean } = {}): Promise<void> {
    if (options.createOnly && this.users.has(record.username)) {
      throw new ConditionFailedError(`user '${record.username}' already exists`, undefined);
    }
    this.users.set(record.username, copy(record));
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.users.delete(username);
  }

  async listUsers(options: PageOptions = {}): Promise<Page<UserRecord>> {
    return page([...this.users.values()].sort(byKey((u) => u.username)), options);
  }

  async getRole(name: string): Promise<RoleRecord | undefined> {
    const r = this.roles.get(name);
    return r && copy(r);
  }

  async putRole(record: RoleRecord, options: { createOnly?: boolean; ifChangedOn?: string } = {}): Promise<void> {
    const current = this.roles.get(record.name);
    if (options.createOnly && current) throw new ConditionFailedError(`role '${record.name}' already exists`, undefined);
    if (options.ifChangedOn !== undefined) {
      if (!current) throw new NotFoundError(`role '${record.name}' not found`);
      if (current.changed_on !== options.ifChangedOn) throw new ConditionFailedError(`role '${record.name}' was changed by another request`, undefined);
    }
    this.roles.set(record.name, copy(record));
  }

  async deleteRole(name: string): Promise<boolean> {
    return this.roles.delete(name);
  }

  async listRoles(options: PageOptions = {}): Promise<Page<RoleRecord>> {
    return page([...this.roles.values()].sort(byKey((r) => r.name)), options);
  }

  async recordSignInFailure(subject: string, at: Date, windowMs: number): Promise<SignInFailuresRecord> {
    const previous = this.signInFailures.get(subject);
    const counting = previous && !signInFailuresLapsed(previous, at);
    const next: SignInFailuresRecord = {
      subject,
      failures: counting ? previous.failures + 1 : 1,
      last_failure_at: at.toISOString(),
      expires_at: signInFailuresExpiry(at, windowMs),
    };
    this.signInFailures.set(subject, next);
    return copy(next);
  }

  async getSignInFailures(subject: string, now: Date): Promise<SignInFailuresRecord | undefined> {
    const record = this.signInFailures.get(subject);
    return record && !signInFailuresLapsed(record, now) ? copy(record) : undefined;
  }

  async clearSignInFailures(subject: string): Promise<void> {
    this.signInFailures.delete(subject);
  }

  async appendAuditLog(record: AuditLogRecord): Promise<void> {
    if (this.audit.some((a) => a.event_log_id === record.event_log_id)) return;
    this.audit.push(copy(record));
  }

  async listAuditLog(options: ListAuditOptions = {}): Promise<Page<AuditLogRecord>> {
    const items = this.audit
      .filter((a) => options.dagId === undefined || a.dag_id === options.dagId)
      .filter((a) => options.event === undefined || a.event === options.event)
      .filter((a) => options.owner === undefined || a.owner === options.owner)
      .sort((a, b) => b.when.localeCompare(a.when) || b.event_log_id.localeCompare(a.event_log_id));
    return page(items, options);
  }

  async appendDatasetEvent(record: DatasetEventRecord): Promise<void> {
    if (!this.datasetEvents.has(record.id)) this.datasetEvents.set(record.id, copy(record));
  }

  async listDatasetEvents(options: ListDatasetEventsOptions = {}): Promise<Page<DatasetEventRecord>> {
    const after = options.after === undefined ? undefined : Date.parse(options.after);
    const items = [...this.datasetEvents.values()]
      .filter((e) => options.uri === undefined || e.uri === options.uri)
      .filter((e) => options.alias === undefined || (e.source_aliases ?? []).includes(options.alias))
      .filter((e) => after === undefined || Date.parse(e.timestamp) > after)
      .filter((e) => options.sourceDagId === undefined || e.source_dag_id === options.sourceDagId)
      .filter((e) => options.sourceTaskId === undefined || e.source_task_id === options.sourceTaskId)
      .filter((e) => options.sourceRunId === undefined || e.source_run_id === options.sourceRunId)
      .filter((e) => options.sourceMapIndex === undefined || e.source_map_index === options.sourceMapIndex)
      .sort(datasetEventOrder);
    return page(items, options);
  }

  async latestDatasetEvents(uri: string, limit: number, beforeId?: number): Promise<DatasetEventRecord[]> {
    return [...this.datasetEvents.values()]
      .filter((e) => e.uri === uri && (beforeId === undefined || e.id < beforeId))
      .sort((a, b) => b.id - a.id)
      .slice(0, Math.max(0, limit))
      .map(copy);
  }

  async listDatasetUpdates(): Promise<DatasetUpdate[]> {
    const newest = new Map<string, DatasetEventRecord>();
    for (const e of this.datasetEvents.values()) {
      const seen = newest.get(e.uri);
      if (!seen || seen.id < e.id) newest.set(e.uri, e);
    }
    return [...newest.values()].sort((a, b) => (a.uri < b.uri ? -1 : 1)).map((e) => ({ uri: e.uri, newest: { id: e.id, timestamp: e.timestamp, source_dag_id: e.source_dag_id } }));
  }

  async createSlaMiss(record: SlaMissRecord): Promise<boolean> {
    const k = key(record.dag_id, record.task_id, runDateKey(record.execution_date));
    if (this.slaMisses.has(k)) return false;
    this.slaMisses.set(k, copy(record));
    return true;
  }

  async updateSlaMiss(dagId: string, taskId: string, executionDate: string, changes: Partial<Pick<SlaMissRecord, 'email_sent' | 'notification_sent' | 'description'>>): Promise<SlaMissRecord> {
    const k = key(dagId, taskId, runDateKey(executionDate));
    const found = this.slaMisses.get(k);
    if (!found) throw new NotFoundError(`SLA miss of task '${taskId}' of DAG '${dagId}' at ${executionDate}`);
    const updated = { ...found, ...changes };
    this.slaMisses.set(k, updated);
    return copy(updated);
  }

  async listSlaMisses(options: ListSlaMissesOptions = {}): Promise<Page<SlaMissRecord>> {
    const items = [...this.slaMisses.values()].filter((m) => options.dagId === undefined || m.dag_id === options.dagId).sort(slaMissOrder);
    return page(items, options);
  }
}
