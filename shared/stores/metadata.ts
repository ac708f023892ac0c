/**
 * The metadata-store port: everything the runtime reads and writes about runs. Writes that race are
 * conditional single-item writes (what DynamoDB does natively and what scales); no multi-item
 * transactions on the hot path. Adapters translate provider errors into the errors below.
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
  SignInFailuresRecord,
  SlaMissRecord,
  TaskInstanceRecord,
  UserRecord,
  VariableRecord,
  XComRecord,
} from '../model/records.js';
import type { DagRunState, TaskState } from '../runtime/states.js';

export class DagRunExistsError extends Error {
  override readonly name: string = 'DagRunExistsError';
  constructor(
    readonly dagId: string,
    readonly runId: string,
    message = `DAG run '${runId}' of '${dagId}' already exists`,
  ) {
    super(message);
  }
}

/**
 * Another run of the DAG has this logical date: a DAG has at most one run per logical date (Airflow's
 * unique constraint on `(dag_id, execution_date)`), held by the store with a conditional write.
 * `runId` is the run that was refused, `existingRunId` the one that holds the date.
 */
export class LogicalDateTakenError extends DagRunExistsError {
  override readonly name = 'LogicalDateTakenError';
  constructor(
    dagId: string,
    runId: string,
    readonly logicalDate: string,
    readonly existingRunId: string,
  ) {
    super(dagId, runId, `DAG '${dagId}' already has a run at logical date ${logicalDate} (run '${existingRunId}')`);
  }
}

/** Run ids of the child runs Couture's DagOperator and LoopableBatch start (BackfillJob.ID_PREFIX_RUNDAG). */
export const RUNDAG_CHILD_RUN_PREFIX = 'backfill_rundag_';

/**
 * Whether a run holds its logical date exclusively. Every run does, except the children a parent
 * task starts at the parent's own date (DagOperator, LoopableBatch batches, their retries): Couture
 * runs them "at the same execution date" so the parent's graph can zoom into them, and several of
 * them (one per task, per batch, per try) share it; each has its own run id.
 */
export function claimsLogicalDate(run: Pick<DagRunRecord, 'run_id' | 'parent'>): boolean {
  return !(run.parent && run.run_id.startsWith(RUNDAG_CHILD_RUN_PREFIX));
}

/** A write refused because the item would exceed the store's item size limit (DynamoDB: 400 KB). */
export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLargeError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/**
 * A conditional write lost its race; `current` is what the store holds now. An expected outcome of
 * every race (handlers catch it), so it is built without a stack trace: capturing one per lost race
 * was measurable under bursts, and it is never logged as an error.
 */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  readonly current: TaskInstanceRecord | DagRunRecord | undefined;
  constructor(message: string, current: TaskInstanceRecord | DagRunRecord | undefined) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.current = current;
  }
}

/** Conditions a DAG-run update may require (all must hold); ConditionFailedError otherwise. */
export interface DagRunCondition {
  /** The current state is one of these (a claim: running → success/failed happens once). */
  stateIn?: readonly DagRunState[];
  /** What the run's end owes is still exactly this (claims sending it: see owed-effects.ts). */
  effectsDueIs?: string;
}

/** Conditions a task-instance update may require (all must hold). */
export interface TaskInstanceCondition {
  /** The current state is one of these (null = no state). */
  stateIn?: readonly (TaskState | null)[];
  /** No decision has been taken for the current token yet. */
  decisionAbsent?: true;
  /** The current try number equals this. */
  tryNumber?: number;
  /** The recorded token is this one (forgetting a token once answered must not forget a newer one). */
  tokenIs?: string;
  /** The current try's wait has had exactly this many invocations (claims one invocation of a handed-off wait). */
  waitInvocationIs?: number;
  /** What the try's end owes is still exactly this (claims sending it: see owed-effects.ts). */
  effectsDueIs?: string;
}

export interface ListTaskInstancesOptions {
  states?: readonly (TaskState | null)[];
}

/** listDagTaskInstances' filters and page. */
export interface ListDagTaskInstancesOptions extends PageOptions {
  states?: readonly (TaskState | null)[];
  /** Only the runs whose logical date is at or after / at or before these instants. */
  logicalDateGte?: string;
  logicalDateLte?: string;
}

/** A task instance of a cross-run listing, with its run's logical date (Airflow's execution_date). */
export interface DagTaskInstance {
  ti: TaskInstanceRecord;
  logical_date: string;
}

/** listTaskInstancesOfDags' merge: by logical date only (a stable sort keeps the DAGs' order on ties). */
export const byLogicalDate = (a: { logical_date: string }, b: { logical_date: string }): number => Date.parse(a.logical_date) - Date.parse(b.logical_date);

/** listDagTaskInstances' order: oldest logical date first, then run id, then the run's creation order. */
export const dagTaskInstanceOrder = (a: { logical_date: string; ti: { run_id: string } }, b: { logical_date: string; ti: { run_id: string } }): number =>
  Date.parse(a.logical_date) - Date.parse(b.logical_date) || a.ti.run_id.localeCompare(b.ti.run_id);

export interface ListRunsOptions {
  limit?: number;
  offset?: number;
  states?: readonly string[];
  /** Only runs whose logical date is strictly before this instant (previous runs). */
  logicalDateBefore?: string;
}

/** listDagRuns' order: newest logical date first, then run id descending. */
export const newestRunFirst = (a: DagRunRecord, b: DagRunRecord): number => Date.parse(b.logical_date) - Date.parse(a.logical_date) || b.run_id.localeCompare(a.run_id);

/** When a run was created, for ordering (ms): when it was queued, else started, else its logical date; null when none parses. */
export function runCreationKey(run: Pick<DagRunRecord, 'queued_at' | 'start_date' | 'logical_date'>): number | null {
  for (const value of [run.queued_at, run.start_date, run.logical_date]) {
    const t = value ? Date.parse(value) : NaN;
    if (!Number.isNaN(t)) return t;
  }
  return null;
}

/**
 * Creation order: by runCreationKey (runs without one first), ties in listDagRuns' order (newest
 * logical date first, then run id descending); `descending` reverses only the key, as the API's
 * order_by=-id does.
 */
export function runCreationOrder(descending = false): (a: DagRunRecord, b: DagRunRecord) => number {
  return (a, b) => {
    const [x, y] = descending ? [runCreationKey(b), runCreationKey(a)] : [runCreationKey(a), runCreationKey(b)];
    const byKey = x === y ? 0 : x === null ? -1 : y === null ? 1 : x - y;
    return byKey || newestRunFirst(a, b);
  };
}

export interface ListActiveRunsOptions {
  /** Only this DAG's active runs. */
  dagId?: string;
  /** Only runs in these states (each queued or running). */
  states?: readonly string[];
  /**
   * Instead of the queued and running runs: the runs that ended but whose end still owes side effects
   * (`effects_due` set; the index keeps them until they are sent). `states` does not apply.
   */
  owingEffects?: true;
}

/** Queued and running runs: the ones the active-runs index holds (with ended runs still owing effects). */
export const ACTIVE_RUN_STATES: readonly string[] = ['queued', 'running'];
export const isActiveRunState = (state: string): boolean => ACTIVE_RUN_STATES.includes(state);
/** listActiveDagRuns' order: newest logical date first, then by DAG id, then run id descending (as listDagRuns). */
export const activeRunOrder = (a: DagRunRecord, b: DagRunRecord): number =>
  Date.parse(b.logical_date) - Date.parse(a.logical_date) || a.dag_id.localeCompare(b.dag_id) || b.run_id.localeCompare(a.run_id);

/** A page of a listing: `total` counts every match (Airflow's total_entries). */
export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageOptions {
  limit?: number;
  offset?: number;
}

export interface ListDagsOptions extends PageOptions {
  /** Include DAGs whose file no longer defines them (default false). */
  includeInactive?: boolean;
  paused?: boolean;
  tags?: readonly string[];
  /** Substring of the dag_id (Airflow's dag_id_pattern). */
  dagIdPattern?: string;
}

/** Whether a DAG is among those `options` list (every store's filter: the page and order are the store's). */
export function dagListed(dag: DagRecord, options: ListDagsOptions): boolean {
  return (
    (options.includeInactive || dag.is_active) &&
    (options.paused === undefined || dag.is_paused === options.paused) &&
    (!options.tags?.length || options.tags.some((t) => dag.tags.includes(t))) &&
    (!options.dagIdPattern || dag.dag_id.includes(options.dagIdPattern))
  );
}

export interface ListAuditOptions extends PageOptions {
  dagId?: string;
  event?: string;
  owner?: string;
}

/** A URI with events and its newest event (see listDatasetUpdates). */
export interface DatasetUpdate {
  uri: string;
  newest: Pick<DatasetEventRecord, 'id' | 'timestamp' | 'source_dag_id'> | null;
}

export interface ListDatasetEventsOptions extends PageOptions {
  uri?: string;
  /** Only events added through this dataset alias (their `source_aliases` has it). */
  alias?: string;
  /** Only events strictly after this instant. */
  after?: string;
  sourceDagId?: string;
  sourceTaskId?: string;
  sourceRunId?: string;
  sourceMapIndex?: number;
}

export interface ListSlaMissesOptions extends PageOptions {
  dagId?: string;
}

export interface SlotHolding {
  holder: string;
  slots: number;
}

/** The holder id of one try of a task instance: it holds DAG concurrency and pool slots while queued or running. */
export function slotHolder(ti: { dag_id: string; run_id: string; task_id: string }, tryNumber: number): string {
  return [ti.dag_id, ti.run_id, ti.task_id, String(tryNumber)].map(encodeURIComponent).join('/');
}

/** The try a holder id names (slotHolder's inverse); undefined for an id it did not make. */
export function parseSlotHolder(holder: string): { dag_id: string; run_id: string; task_id: string; try_number: number } | undefined {
  const parts = holder.split('/');
  if (parts.length !== 4) return undefined;
  const [dagId, runId, taskId, tryNumber] = parts.map(decodeURIComponent) as [string, string, string, string];
  return /^\d+$/.test(tryNumber) ? { dag_id: dagId, run_id: runId, task_id: taskId, try_number: Number(tryNumber) } : undefined;
}

/**
 * Runs, task instances and XComs: what the runtime handlers read and write on every task.
 */
export interface RunStore {
  /**
   * Stores that keep totals beside their items (the DynamoDB adapter) count the items again, at most
   * once a day, and mend a total a dead writer left off; the totals set, described. The reconciler
   * calls it; stores that count when asked have none.
   */
  repairKeptCounts?(now: Date): Promise<string[]>;

  /**
   * Creates a run and its task instances. DagRunExistsError if the run id is taken (idempotent
   * launches); LogicalDateTakenError (a DagRunExistsError) if another run of the DAG has the same
   * logical date (to the millisecond). A refused creation writes nothing.
   */
  createDagRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void>;
  getDagRun(dagId: string, runId: string): Promise<DagRunRecord | undefined>;
  /** A change of `logical_date` moves the run's claim on its date (LogicalDateTakenError if another run holds the new one). */
  /** With a condition that does not hold: ConditionFailedError carrying the current run, and nothing changes. */
  updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>, condition?: DagRunCondition): Promise<DagRunRecord>;
  /** Newest logical date first. */
  listDagRuns(dagId: string, options?: ListRunsOptions): Promise<DagRunRecord[]>;
  /**
   * One page of a DAG's runs in creation order (Airflow's default `id` order: see runCreationOrder),
   * oldest first or, `descending`, newest first; `total` counts them all.
   */
  listDagRunsByCreation(dagId: string, page: { offset: number; limit: number; descending?: boolean }): Promise<Page<DagRunRecord>>;
  /**
   * Queued and running runs, of every DAG or of `dagId` (see activeRunOrder). Served by an index
   * of active runs only, so it costs what is active, not the history.
   */
  listActiveDagRuns(options?: ListActiveRunsOptions): Promise<DagRunRecord[]>;
  deleteDagRun(dagId: string, runId: string): Promise<void>;

  getTaskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord | undefined>;
  /**
   * Several task instances of a run (strongly consistent), in `taskIds` order (undefined where there is
   * none): a trigger rule's upstream states in a few round trips however many upstream tasks there are.
   */
  getTaskInstances(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord | undefined)[]>;
  /**
   * Only the states of several task instances of a run (strongly consistent), in `taskIds` order
   * (undefined where there is none): what a trigger rule reads of its upstream tasks. A fan-in's last
   * task reads them at the end of each of its upstream tasks, so the whole records would cost O(n²).
   */
  getTaskInstanceStates(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord['state'] | undefined)[]>;
  /** The run and one of its task instances in one round trip: what a task's handlers read first. */
  getDagRunAndTaskInstance(dagId: string, runId: string, taskId: string): Promise<{ run: DagRunRecord | undefined; ti: TaskInstanceRecord | undefined }>;
  /** A run's task instances in creation order; with `states`, only those in one of them (null = no state). */
  listTaskInstances(dagId: string, runId: string, options?: ListTaskInstancesOptions): Promise<TaskInstanceRecord[]>;
  /**
   * The task instances (map_index -1) of a DAG's runs that are `scheduled` — waiting for a concurrency
   * or pool slot — oldest logical date first, then creation order; at most `limit`. Served by an index
   * of the waiting ones, so waking the next waiter when a slot frees costs what it returns, not a read
   * of every task instance of the run (what made each completion O(tasks) in a large run). Task
   * instances that were already scheduled when this index came (an older store) are not in it: the
   * scheduler's passes still list each running run's.
   */
  listWaitingTaskInstances(dagId: string, limit?: number): Promise<TaskInstanceRecord[]>;
  /**
   * The task instances (map_index -1) of every run of a DAG, oldest logical date first (see
   * dagTaskInstanceOrder): the API's cross-run listings. Served by an index of task instances by DAG,
   * so a page costs its depth, not one query per run; `total` counts every match.
   */
  listDagTaskInstances(dagId: string, options?: ListDagTaskInstancesOptions): Promise<Page<DagTaskInstance>>;
  /**
   * listDagTaskInstances of several DAGs as one listing: merged by logical date, ties keeping the
   * order of `dagIds` (then each DAG's own order); `total` counts every match.
   */
  listTaskInstancesOfDags(dagIds: readonly string[], options?: ListDagTaskInstancesOptions): Promise<Page<DagTaskInstance>>;
  /** Applies `changes` if `condition` holds, else ConditionFailedError; NotFoundError if absent. */
  updateTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    changes: Partial<TaskInstanceRecord>,
    condition?: TaskInstanceCondition,
  ): Promise<TaskInstanceRecord>;

  /**
   * Mapped task instances (dynamic task mapping: map_index ≥ 0), kept apart from the task's own record
   * (map_index -1, which stays the task's summary for the control plane). Creation is idempotent: an
   * index that exists already is kept as it is (an expansion delivered twice resets nothing).
   */
  createMappedTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void>;
  /** A task's mapped instances, by map_index. */
  listMappedTaskInstances(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord[]>;
  getMappedTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number): Promise<TaskInstanceRecord | undefined>;
  /** As updateTaskInstance, for one mapped instance. */
  updateMappedTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    changes: Partial<TaskInstanceRecord>,
    condition?: TaskInstanceCondition,
  ): Promise<TaskInstanceRecord>;

  /**
   * Takes `slots` slots (default 1) of a bounded scope (`dag:<dag_id>` for max_active_tasks,
   * `pool:<name>`) for `holder` (one try: see slotHolder()) if at most `limit` are taken afterwards;
   * false when full. Held per holder, so taking again for a holder that holds is a no-op that says
   * true, and a release by a crashed handler's redelivery cannot free someone else's slot. One
   * conditional write, so concurrent callers never exceed the limit.
   */
  acquireSlot(scope: string, limit: number, holder: string, slots?: number): Promise<boolean>;
  /** Gives back what `holder` holds in `scope`; a no-op when it holds nothing (releases are idempotent). */
  releaseSlot(scope: string, holder: string): Promise<void>;
  /** Who holds slots of `scope`, and how many each. */
  listSlotHolders(scope: string): Promise<SlotHolding[]>;

  setXCom(record: XComRecord): Promise<void>;
  /**
   * Writes XComs that do not exist yet — a finished run copied whole into this store (`dags test`
   * keeping the run it ran in memory) — as setXCom would, listed in the given order, in a few round
   * trips (DynamoDB: BatchWriteItem, 25 per request). An XCom that does exist is overwritten without
   * the clean-up setXCom does, so other writers use setXCom.
   */
  addXComs(records: readonly XComRecord[]): Promise<void>;
  /** One XCom: the task's own (`mapIndex` -1) or one map index's. */
  getXCom(dagId: string, runId: string, taskId: string, key: string, mapIndex?: number): Promise<XComRecord | undefined>;
  listXComs(dagId: string, runId: string, taskId?: string): Promise<XComRecord[]>;
  /** Removes a task instance's XComs (Airflow clears them at the start of every try): every map index's, or only `mapIndex`'s. */
  deleteXComs(dagId: string, runId: string, taskId: string, mapIndex?: number): Promise<void>;

  /** Records a dataset event (ids are unique; writing the same id again is a no-op). */
  appendDatasetEvent(record: DatasetEventRecord): Promise<void>;
  /** Oldest first (timestamp, then id). */
  listDatasetEvents(options?: ListDatasetEventsOptions): Promise<Page<DatasetEventRecord>>;
  /**
   * The newest events of `uri`, newest first (by id), at most `limit`, only those with an id below
   * `beforeId` when given: when a dataset was last updated, without reading (or counting) its history.
   */
  latestDatasetEvents(uri: string, limit: number, beforeId?: number): Promise<DatasetEventRecord[]>;
  /**
   * Every URI with at least one event, sorted (datasets exist once they have an event, even if no DAG
   * names them: Airflow's alias-resolved datasets), each with its newest event (id, time, source DAG)
   * in one read: when each dataset was last updated without a query per dataset. `newest` is null
   * where the store does not know it (a URI recorded before stores kept it, until the daily count
   * repair sets it): ask latestDatasetEvents then.
   */
  listDatasetUpdates(): Promise<DatasetUpdate[]>;

  /** Records an SLA miss unless one exists for (dag, task, execution date): true when this call recorded it. */
  createSlaMiss(record: SlaMissRecord): Promise<boolean>;
  updateSlaMiss(dagId: string, taskId: string, executionDate: string, changes: Partial<Pick<SlaMissRecord, 'email_sent' | 'notification_sent' | 'description'>>): Promise<SlaMissRecord>;
  /** Newest execution date first. */
  listSlaMisses(options?: ListSlaMissesOptions): Promise<Page<SlaMissRecord>>;
}

/** DAGs and their versions, import errors: what the DAGs-folder watcher / upload path writes. */
export interface DagStore {
  putDag(record: DagRecord): Promise<void>;
  getDag(dagId: string): Promise<DagRecord | undefined>;
  updateDag(dagId: string, changes: Partial<DagRecord>): Promise<DagRecord>;
  listDags(options?: ListDagsOptions): Promise<Page<DagRecord>>;
  /** Removes the DAG's record (not its runs: delete those first; not its versions, the file's history); false when there was none. */
  deleteDag(dagId: string): Promise<boolean>;
  /**
   * Idempotent: the same (dag_id, version) written twice keeps the first — except its deployment: a
   * record written without `state_machine_version_arn` (a version an archive import recreated before
   * the cloud deployer published its state machine) takes the one a later write brings, once.
   */
  putDagVersion(record: DagVersionRecord): Promise<void>;
  getDagVersion(dagId: string, version: string): Promise<DagVersionRecord | undefined>;
  /** Newest first, without the model and the source. */
  listDagVersions(dagId: string): Promise<DagVersionHeader[]>;

  putImportError(record: ImportErrorRecord): Promise<void>;
  deleteImportError(filename: string): Promise<void>;
  listImportErrors(options?: PageOptions): Promise<Page<ImportErrorRecord>>;
}

/** Variables, connections, pools, users and the audit log: the platform's configuration. */
export interface ConfigStore {
  getVariable(key: string): Promise<VariableRecord | undefined>;
  putVariable(record: VariableRecord): Promise<void>;
  deleteVariable(key: string): Promise<boolean>;
  listVariables(options?: PageOptions): Promise<Page<VariableRecord>>;

  getConnection(connId: string): Promise<ConnectionRecord | undefined>;
  putConnection(record: ConnectionRecord): Promise<void>;
  deleteConnection(connId: string): Promise<boolean>;
  listConnections(options?: PageOptions): Promise<Page<ConnectionRecord>>;

  getPool(name: string): Promise<PoolRecord | undefined>;
  putPool(record: PoolRecord): Promise<void>;
  deletePool(name: string): Promise<boolean>;
  listPools(options?: PageOptions): Promise<Page<PoolRecord>>;

  getUser(username: string): Promise<UserRecord | undefined>;
  /** createOnly: fails with ConditionFailedError when the user exists. */
  putUser(record: UserRecord, options?: { createOnly?: boolean }): Promise<void>;
  deleteUser(username: string): Promise<boolean>;
  listUsers(options?: PageOptions): Promise<Page<UserRecord>>;

  /** Custom roles (the built-in ones are not stored). */
  getRole(name: string): Promise<RoleRecord | undefined>;
  /**
   * createOnly: ConditionFailedError when a role of that name exists. ifChangedOn: replaces the role
   * only while its stored `changed_on` is still this one (ConditionFailedError otherwise, NotFoundError
   * when it is gone), so concurrent edits cannot silently undo each other.
   */
  putRole(record: RoleRecord, options?: { createOnly?: boolean; ifChangedOn?: string }): Promise<void>;
  deleteRole(name: string): Promise<boolean>;
  listRoles(options?: PageOptions): Promise<Page<RoleRecord>>;

  /**
   * Counts one failed sign-in of `subject` at `at`, atomically (concurrent failures all count). A count
   * whose last failure is older than `windowMs` starts again at 1. Returns the count after this one.
   */
  recordSignInFailure(subject: string, at: Date, windowMs: number): Promise<SignInFailuresRecord>;
  /** The current count, or undefined when there is none or it has expired (TTL deletion is lazy). */
  getSignInFailures(subject: string, now: Date): Promise<SignInFailuresRecord | undefined>;
  clearSignInFailures(subject: string): Promise<void>;

  /**
   * Models and datasets (shared/repository/). createOnly: ConditionFailedError when that version
   * exists (how concurrent uploads of one name each get their own version number).
   */
  putRepositoryVersion(record: RepositoryVersionRecord, options?: { createOnly?: boolean }): Promise<void>;
  getRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<RepositoryVersionRecord | undefined>;
  /** Every version of one name, or of every name of the kind; sorted by name, then version (ascending). */
  listRepositoryVersions(kind: RepositoryKind, name?: string): Promise<RepositoryVersionRecord[]>;
  deleteRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<boolean>;

  /** Appends an entry (ids are unique: appending an id again, a redelivery, is a no-op). */
  appendAuditLog(record: AuditLogRecord): Promise<void>;
  /** Newest first. */
  listAuditLog(options?: ListAuditOptions): Promise<Page<AuditLogRecord>>;
}

/** Epoch seconds at which a sign-in failure count recorded at `at` lapses (its TTL). */
export function signInFailuresExpiry(at: Date, windowMs: number): number {
  return Math.ceil((at.getTime() + windowMs) / 1000);
}

/** Whether a stored count has lapsed at `now` (TTL deletion is lazy, so readers check). */
export function signInFailuresLapsed(record: SignInFailuresRecord, now: Date): boolean {
  return record.expires_at * 1000 <= now.getTime();
}

export interface MetadataStore extends RunStore, DagStore, ConfigStore {}

/** The port's order of dataset events: oldest first (timestamp, then id). */
export const datasetEventOrder = (a: DatasetEventRecord, b: DatasetEventRecord): number => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.id - b.id;

/** The port's order of SLA misses: newest execution date first, then DAG and task id. */
export const slaMissOrder = (a: SlaMissRecord, b: SlaMissRecord): number =>
  Date.parse(b.execution_date) - Date.parse(a.execution_date) || a.dag_id.localeCompare(b.dag_id) || a.task_id.localeCompare(b.task_id);
