/**
 * The single table's keys: one function per item kind, so every key shape lives here (and in
 * docs/metadata-store.md). Components are escaped so that ids containing `#` cannot collide with
 * another id's key or match another task's `begins_with` prefix.
 */

/** Escapes one key component: `%` → `%25`, `#` → `%23` (the separator never occurs inside a component). */
export const esc = (part: string): string => part.replace(/%/g, '%25').replace(/#/g, '%23');

export interface Key {
  pk: string;
  sk: string;
}

/** Attribute names of the table's key and its one global secondary index. */
export const PK = 'pk';
export const SK = 'sk';
export const GSI1 = 'gsi1';
export const GSI1_PK = 'gsi1pk';
export const GSI1_SK = 'gsi1sk';
/** The sparse active-runs index: only runs that are queued or running carry `gsi2pk`. */
export const GSI2 = 'gsi2';
export const GSI2_PK = 'gsi2pk';
export const GSI2_SK = 'gsi2sk';

// ---- collections kept in one partition each (strongly consistent listings, no index)

export const DAGS_PK = 'DAGS';
export const IMPORT_ERRORS_PK = 'IMPORT_ERRORS';
export const VARIABLES_PK = 'VARIABLES';
export const CONNECTIONS_PK = 'CONNECTIONS';
export const POOLS_PK = 'POOLS';
export const USERS_PK = 'USERS';
export const ROLES_PK = 'ROLES';
export const AUDIT_PK = 'AUDIT';

/** Sort-key prefix of every member of a collection partition (ids may be empty; key attributes may not). */
export const MEMBER = 'ID#';

export const dagKey = (dagId: string): Key => ({ pk: DAGS_PK, sk: MEMBER + dagId });
/** The DAGs partition's change counter (its own partition: not a member of the listing). */
export const DAG_CATALOG_COUNTER_KEY: Key = { pk: 'COUNTER#DAGS', sk: 'COUNTER' };
export const importErrorKey = (filename: string): Key => ({ pk: IMPORT_ERRORS_PK, sk: MEMBER + filename });
export const variableKey = (key: string): Key => ({ pk: VARIABLES_PK, sk: MEMBER + key });
export const connectionKey = (connId: string): Key => ({ pk: CONNECTIONS_PK, sk: MEMBER + connId });
export const poolKey = (name: string): Key => ({ pk: POOLS_PK, sk: MEMBER + name });
export const userKey = (username: string): Key => ({ pk: USERS_PK, sk: MEMBER + username });
export const roleKey = (name: string): Key => ({ pk: ROLES_PK, sk: MEMBER + name });

// ---- one DAG's versions: a small header (listed) and the model (read one at a time)

export const dagPk = (dagId: string): string => `DAG#${esc(dagId)}`;
export const VERSION_PREFIX = 'VERSION#';
export const MODEL_PREFIX = 'MODEL#';
export const versionKey = (dagId: string, version: string): Key => ({ pk: dagPk(dagId), sk: VERSION_PREFIX + esc(version) });
export const modelKey = (dagId: string, version: string): Key => ({ pk: dagPk(dagId), sk: MODEL_PREFIX + esc(version) });

// ---- one DAG run's item collection: the run, its task instances and its XComs

export const runPk = (dagId: string, runId: string): string => `RUN#${esc(dagId)}#${esc(runId)}`;
export const RUN_SK = 'RUN';
export const TI_PREFIX = 'TI#';
export const XCOM_PREFIX = 'XCOM#';
export const runKey = (dagId: string, runId: string): Key => ({ pk: runPk(dagId, runId), sk: RUN_SK });
export const taskInstanceSk = (taskId: string): string => TI_PREFIX + esc(taskId);
export const taskInstanceKey = (dagId: string, runId: string, taskId: string): Key => ({ pk: runPk(dagId, runId), sk: taskInstanceSk(taskId) });
/** A task's mapped instances (map_index ≥ 0) share this prefix; the index is zero-padded so key order is index order. */
export const mappedTaskInstancePrefix = (taskId: string): string => `MTI#${esc(taskId)}#`;
export const mappedTaskInstanceKey = (dagId: string, runId: string, taskId: string, mapIndex: number): Key => ({
  pk: runPk(dagId, runId),
  sk: mappedTaskInstancePrefix(taskId) + String(mapIndex).padStart(10, '0'),
});
/** All XComs of one task (any map index, any key) share this sort-key prefix. */
export const xcomTaskPrefix = (taskId: string): string => `${XCOM_PREFIX}${esc(taskId)}#`;
export const xcomKey = (dagId: string, runId: string, taskId: string, mapIndex: number, key: string): Key => ({
  pk: runPk(dagId, runId),
  sk: `${xcomTaskPrefix(taskId)}${mapIndex}#${esc(key)}`,
});

/** A list of task ids shared by the runs that name it (task-lists.ts): its own partition, named by a hash of its content. */
export const taskListKey = (name: string): Key => ({ pk: `TASKS#${esc(name)}`, sk: 'TASKS' });

/** The claim on one logical date of a DAG: a DAG has at most one run per logical date (to the millisecond). */
export const runDateKey = (dagId: string, logicalDate: string): Key => ({ pk: `RUNDATE#${esc(dagId)}#${esc(sortableInstant(logicalDate))}`, sk: 'RUNDATE' });

/** GSI1 partition of a DAG's runs; the sort key orders them by logical date. */
export const runsByDagPk = (dagId: string): string => `RUNS#${esc(dagId)}`;

/**
 * A logical date as a sortable key part: the instant in UTC with milliseconds
 * (`2024-01-01T00:00:00.000Z`), so string order is time order whatever offset the record was written
 * with. An unparsable date is kept as written.
 */
export function sortableInstant(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

export const runsByDagSk = (logicalDate: string, runId: string): string => `${sortableInstant(logicalDate)}#${esc(runId)}`;

/**
 * GSI1 partition of a DAG's task instances (map_index -1) across its runs, ordered by their run's
 * logical date, then run, then creation order: the API's cross-run listings (no query per run).
 */
export const tasksByDagPk = (dagId: string): string => `TIS#${esc(dagId)}`;
/**
 * The change counter of one DAG's runs as its kept listings see them (bumped when a run is created,
 * deleted, moved to another logical date, queued or started): task instances across runs, runs in
 * creation order.
 */
export const dagRunsCounterKey = (dagId: string): Key => ({ pk: `COUNTER#RUNS#${esc(dagId)}`, sk: 'COUNTER' });
export const tasksByDagSk = (logicalDate: string, runId: string, ord: number): string => `${runsByDagSk(logicalDate, runId)}#${String(ord).padStart(6, '0')}`;

/**
 * GSI2 (sparse): the one partition of active runs. A run carries `gsi2sk` always and `gsi2pk` only
 * while it is queued or running, so the index holds exactly the active runs; the sort key groups them
 * by DAG, then logical date.
 */
export const ACTIVE_RUNS_PK = 'ACTIVE_RUNS';
/**
 * GSI2 (sparse), also: one partition per DAG of its task instances waiting for a slot (`scheduled`).
 * A task instance (map_index -1) carries `gsi2sk` (its place in tasksByDagSk order) always and
 * `gsi2pk` only while it is scheduled.
 */
export const waitingTasksPk = (dagId: string): string => `WAITING#${esc(dagId)}`;
/** Every active run of one DAG shares this GSI2 sort-key prefix. */
export const activeRunsOfDagPrefix = (dagId: string): string => `${esc(dagId)}#`;
export const activeRunSk = (dagId: string, logicalDate: string, runId: string): string => activeRunsOfDagPrefix(dagId) + runsByDagSk(logicalDate, runId);

// ---- models and datasets: one partition per kind, versions ordered by name then zero-padded version

export const repositoryPk = (kind: string): string => `REPOSITORY#${esc(kind)}`;
/** Every version of one name shares this sort-key prefix. */
export const repositoryNamePrefix = (name: string): string => `${MEMBER}${esc(name)}#`;
export const repositoryVersionKey = (kind: string, name: string, version: number): Key => ({
  pk: repositoryPk(kind),
  sk: repositoryNamePrefix(name) + String(version).padStart(10, '0'),
});

// ---- bounded slots: a scope's holdings spread over SLOT_SHARDS items (each its own partition)

/** Shards of a slot scope: a burst of acquires spreads over them instead of serialising on one item. Fixed: readers read them all. */
export const SLOT_SHARDS = 8;
export const slotShardKey = (scope: string, shard: number): Key => ({ pk: `SLOT_SHARD#${esc(scope)}#${shard}`, sk: 'SLOT' });
/** The one item per scope older versions kept (holders map and total): read and released until it is empty, never taken from. */
export const legacySlotKey = (scope: string): Key => ({ pk: `SLOT#${esc(scope)}`, sk: 'SLOT' });
/** The shard a holder tries first: a hash of its id, so a scope's holders spread evenly. */
export const homeSlotShard = (holder: string): number => hashOf(holder) % SLOT_SHARDS;

// ---- sign-in failure counts (one small item per user or client address; TTL `expires_at`)

export const signInFailuresKey = (subject: string): Key => ({ pk: `SIGNIN#${esc(subject)}`, sk: 'FAILURES' });

// ---- audit log: newest first by `when`, spread over AUDIT_SHARDS partitions (read merged), a DAG's also in GSI1

/** Audit partitions: a burst of entries spreads over them instead of one partition's 1,000 writes/s. Fixed: readers read them all. */
export const AUDIT_SHARDS = 8;
/** The partition of an entry: a hash of its id, so a repeated write of one entry lands on the same item. */
export function auditShardPk(eventLogId: string): string {
  return `AUDIT_SHARD#${hashOf(eventLogId) % AUDIT_SHARDS}`;
}

/** A stable 32-bit string hash (spreads ids over shards; not for security). */
function hashOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) >>> 0;
  return hash;
}
/** Every partition a listing reads: the shards, and the single partition older versions wrote. */
export const auditPartitions = (): string[] => [...Array.from({ length: AUDIT_SHARDS }, (_, n) => `AUDIT_SHARD#${n}`), 'AUDIT'];

export const auditSk = (when: string, eventLogId: string): string => `${esc(when)}#${esc(eventLogId)}`;
export const auditByDagPk = (dagId: string): string => `AUDIT#${esc(dagId)}`;
/** The kept count of the audit log's entries, by the day they lapse (kept-counts.ts). */
export const AUDIT_COUNT = 'AUDIT';

// ---- dataset events: oldest first by id (ids increase with their timestamp), all in one partition, each URI's also in GSI1

export const DATASET_EVENTS_PK = 'DATASET_EVENTS';
/** Ids are at most 16 digits (µs since the epoch): zero-padded, their string order is their numeric order. */
export const datasetEventSk = (id: number): string => String(id).padStart(16, '0');
export const datasetEventsByUriPk = (uri: string): string => `DATASET_EVENTS#${esc(uri)}`;
/** The URIs that have events, one item each (`sk=ID#<uri>`), and that list's change counter. */
export const DATASET_URIS_PK = 'DATASET_URIS';
export const datasetUriKey = (uri: string): Key => ({ pk: DATASET_URIS_PK, sk: MEMBER + uri });
/** Bumped after the put of an event made long before (event-offsets.ts: LATE_MS): kept copies of the oldest events' places are read again. */
export const DATASET_EVENTS_LATE_COUNTER_KEY: Key = { pk: 'COUNTER#DATASET_EVENTS_LATE', sk: 'COUNTER' };
/** An event added through aliases is also copied under each alias (same sort key), where `alias` listings read. */
export const datasetAliasEventsPk = (alias: string): string => `DATASET_ALIAS_EVENTS#${esc(alias)}`;

// ---- SLA misses: one partition, a DAG's under its prefix

export const SLA_MISSES_PK = 'SLA_MISSES';
export const slaMissDagPrefix = (dagId: string): string => `${MEMBER}${esc(dagId)}#`;
export const slaMissKey = (dagId: string, taskId: string, executionDate: string): Key => ({
  pk: SLA_MISSES_PK,
  sk: `${slaMissDagPrefix(dagId)}${esc(taskId)}#${String(Date.parse(executionDate)).padStart(15, '0')}`,
});
