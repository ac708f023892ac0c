/**
 * The metadata store on DynamoDB: one table, one GSI, conditional single-item writes (no
 * transactions), large values in the blob store. The key design, item shapes and the cost of every
 * listing are in docs/metadata-store.md; `test/contracts/metadata-store.contract.ts` holds it to the
 * in-memory reference, on dynalite and on DynamoDB Local.
 *
 * @example
 * const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
 * const store = new DynamoMetadataStore({ client, tableName: 'skydag', blobStore: new S3BlobStore({ client: s3, bucket }) });
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
} from '../../model/records.js';
import type { BlobStore } from '../blob.js';
import {
  newestRunFirst,
  claimsLogicalDate,
  ConditionFailedError,
  datasetEventOrder,
  slaMissOrder,
  DagRunExistsError,
  LogicalDateTakenError,
  NotFoundError,
  signInFailuresExpiry,
  signInFailuresLapsed,
  activeRunOrder,
  byLogicalDate,
  runCreationKey,
  dagTaskInstanceOrder,
  type DagTaskInstance,
  type ListDagTaskInstancesOptions,
  isActiveRunState,
  ACTIVE_RUN_STATES,
  type ListActiveRunsOptions,
  type ListAuditOptions,
  dagListed,
  type ListDagsOptions,
  type DatasetUpdate,
  type ListDatasetEventsOptions,
  type ListSlaMissesOptions,
  type ListRunsOptions,
  type ListTaskInstancesOptions,
  type MetadataStore,
  type Page,
  type PageOptions,
  type SlotHolding,
  type DagRunCondition,
  type TaskInstanceCondition,
} from '../metadata.js';
import { allOf, anyOf, Expressions } from './expressions.js';
import { bumpCounter, CollectionCache, counterValue } from './collection-cache.js';
import { KeptAuditHead } from './audit-head.js';
import { KeptKeys } from './kept-keys.js';
import { KeptEventOffsets, LATE_MS } from './event-offsets.js';
import { TASK_LIST, TaskLists } from './task-lists.js';
import { ALL, auditBucketEnd, auditCountBucket, auditExpiry, countKey, KeptCounts } from './kept-counts.js';
import { repairKeptCounts } from './count-repair.js';
import { datasetUpdateOf, recordDatasetUpdate } from './dataset-updates.js';
import { BLOB, SEALED_BLOB, codec, encodeField, fromItem, KIND, ORD, RUN_LOGICAL_DATE, SEQ, toItem, type Codec, type Item } from './items.js';
import * as K from './keys.js';
import { DEFAULT_INLINE_LIMIT_BYTES, LargeValues } from './large-values.js';
import { byField, mergedPage, orderedPage, page, pageBounds } from './ordering.js';
import { SlotShards } from './slots.js';
import { METADATA_TTL_ATTRIBUTE } from './table.js';
import { isConditionalCheckFailed, itemOfConditionFailure, TableClient } from './table-client.js';

export interface DynamoMetadataStoreOptions {
  /** A document client (any marshalling options: the adapter removes undefined values itself). */
  client: DynamoDBDocumentClient;
  /** The table createMetadataTable() (or the CDK stack) made. */
  tableName: string;
  /** Where values too big for an item go (XComs, DAG models). Without one, writing such a value fails clearly. */
  blobStore?: BlobStore;
  /** XCom values and DAG models whose JSON is larger go to the blob store. @default 300 KiB */
  inlineLimitBytes?: number;
  /** Prefix of the blob keys this store writes. @default 'metadata/' */
  blobPrefix?: string;
  /** Days an audit entry is kept: its `expires_at` (the table's TTL attribute) is this long after it was written. @default 365 */
  auditRetentionDays?: number;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

const RUN = codec('run', 'conf', 'triggering_dataset_events');
const TI = codec('ti', 'rendered_fields', 'wait');
const XCOM = codec('xcom', 'value', 'sealed_value');
// access_control is keyed by role names: JSON text, whatever they hold.
const DAG = codec('dag', 'access_control');
/** Every field of a DAG record (the compiler checks none is missing): what listing DAGs reads of each item. */
const DAG_RECORD_FIELDS = [
  'dag_id', 'dag_display_name', 'parent_dag_id', 'fileloc', 'is_paused', 'is_active', 'current_version', 'description', 'schedule', 'schedule_description', 'timezone', 'tags', 'owners',
  'max_active_runs', 'max_active_tasks', 'catchup', 'start_date', 'end_date', 'last_parsed_time', 'access_control', 'parse_variables', 'next_dagrun',
  'next_dagrun_data_interval_start', 'next_dagrun_data_interval_end',
] as const satisfies readonly (keyof DagRecord)[];
const _everyDagField: Exclude<keyof DagRecord, (typeof DAG_RECORD_FIELDS)[number]> extends never ? true : never = true;
void _everyDagField;
const VERSION = codec('dag-version');
const MODEL = codec('dag-model', 'model', 'source');
/** Where a version's source text went when it did not fit in the item beside the model. */
const SOURCE_BLOB = '_sourceBlob';
const IMPORT_ERROR = codec('import-error');
const VARIABLE = codec('variable');
const CONNECTION = codec('connection');
const POOL = codec('pool');
const USER = codec('user');
const ROLE = codec('role');
const REPOSITORY = codec('repository-version');
const AUDIT = codec('audit');
const DATASET_EVENT = codec('dataset-event', 'extra');
const SLA_MISS = codec('sla-miss');
const SIGN_IN_FAILURES = codec('sign-in-failures');
const RUN_DATE = codec('run-date');

/** When a logical date's claim was written (ms since the epoch): an internal attribute of the claim. */
const CLAIMED = '_claimed';
/** A claim whose run is still missing after this long was left by a creator that died (see claimRunDate). */
const ORPHAN_CLAIM_MS = 60_000;
const CLAIM_ATTEMPTS = 3;

/** A task instance's key in a DAG's kept listing, with its run's logical date (ms) for merging DAGs. */
interface TaskKey extends K.Key {
  at: number;
}

/** DAGs whose task instances one listing reads at once (and at most keeps keys of, per listing). */
const DAG_READS_AT_ONCE = 16;
/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_MAX = 100;
/** Keys of kept listings a store keeps at most, over every DAG (~100 bytes each). */
const KEYS_KEPT = 200_000;
/** Audit entries the kept head of the log holds at most (~200 bytes each): deeper pages merge the shards. */
const AUDIT_ENTRIES_KEPT = 50_000;

/** The fields of a run that its GSI1 key is made of. */
const RUN_INDEX_FIELDS = ['dag_id', 'run_id', 'logical_date'] as const;
/** The fields the kept listings order runs by (kept-keys.ts): a change of one is announced. */
const RUN_LISTING_FIELDS = [...RUN_INDEX_FIELDS, 'queued_at', 'start_date'] as const;

/** Listing order of the port (the in-memory reference's comparators). */

const auditOrder = (a: AuditLogRecord, b: AuditLogRecord) => b.when.localeCompare(a.when) || b.event_log_id.localeCompare(a.event_log_id);

/** A process-wide increasing number (µs since the epoch, bumped on ties) that orders items by first write. */
let lastSeq = 0;
const nextSeq = (): number => (lastSeq = Math.max(Date.now() * 1000, lastSeq + 1));

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export class DynamoMetadataStore implements MetadataStore {
  private readonly table: TableClient;
  private readonly large: LargeValues;
  private readonly slots: SlotShards;
  private readonly auditRetentionSeconds: number;
  /** Every DAG record, read whole by the API on each listing (permissions, patterns, order_by): kept between listings. */
  private readonly dagCatalog: CollectionCache<DagRecord>;
  private readonly counts: KeptCounts;
  /** Kept keys of unfiltered listings: a DAG's task instances across runs, its runs in creation order (kept-keys.ts). */
  private readonly keptKeys: KeptKeys<TaskKey>;
  /** The newest part of the audit log's order, kept between unfiltered listings (audit-head.ts). */
  private readonly auditHead: KeptAuditHead;
  /** The places of the oldest dataset events, kept between listings of all events (event-offsets.ts). */
  private readonly eventOffsets: KeptEventOffsets;
  /** The task ids of runs, by the list their run names (task-lists.ts). */
  private readonly taskLists: TaskLists;
  /** Per kept key list (while it is kept): the same keys newest first. */
  private readonly reversedKeys = new WeakMap<readonly TaskKey[], readonly TaskKey[]>();

  constructor(options: DynamoMetadataStoreOptions) {
    const days = options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    if (!(days > 0)) throw new Error(`auditRetentionDays must be a positive number of days (got ${days})`);
    this.auditRetentionSeconds = Math.round(days * 86_400);
    this.table = new TableClient(options.client, options.tableName);
    this.slots = new SlotShards(this.table);
    this.counts = new KeptCounts(this.table);
    this.keptKeys = new KeptKeys(this.table, KEYS_KEPT);
    this.taskLists = new TaskLists(this.table, KEYS_KEPT);
    this.auditHead = new KeptAuditHead(this.table, { maxEntries: AUDIT_ENTRIES_KEPT });
    this.eventOffsets = new KeptEventOffsets(this.table, { maxIds: KEYS_KEPT });
    this.large = new LargeValues(options.blobStore, options.blobPrefix ?? 'metadata/', options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT_BYTES);
    // Only the record's fields: not the keys and internal attributes every item carries.
    this.dagCatalog = new CollectionCache(this.table, K.DAG_CATALOG_COUNTER_KEY, async () => (await this.listCollection<DagRecord>(K.DAGS_PK, DAG, 'dag_id', {}, new Expressions(), undefined, DAG_RECORD_FIELDS)).items);
  }

  // ---- runs and task instances

  async createDagRun(run: DagRunRecord, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    // 1. The logical date: one run per DAG and logical date.
    const claims = claimsLogicalDate(run);
    // One per task id: a repeated id keeps the first position and the last record, like a Map.
    const byTask = new Map<string, { ti: TaskInstanceRecord; ord: number }>();
    taskInstances.forEach((ti, ord) => byTask.set(ti.task_id, { ti, ord: byTask.get(ti.task_id)?.ord ?? ord }));
    // The run names the list of its task ids (stored first, so whoever sees the name finds it): task-lists.ts.
    const taskList = await this.taskLists.store([...byTask.keys()]);
    if (claims) await this.claimRunDate(run.dag_id, run.run_id, run.logical_date);
    const e = new Expressions();
    try {
      // 2. The run id: only one launcher creates a run id (scheduler delivery is at-least-once).
      await this.table.put(
        {
          Item: { ...toItem(RUN, run), ...K.runKey(run.dag_id, run.run_id), ...runIndexKey(run), ...activeRunIndexKey(run), ...(taskList ? { [TASK_LIST]: taskList } : {}) },
          ConditionExpression: e.notExists(K.PK),
          ...e.attributes(),
        },
        `create DAG run '${run.run_id}' of '${run.dag_id}'`,
      );
    } catch (error) {
      // Nothing of a refused creation stays: the date goes back (a failed release leaves an orphan claim, see claimRunDate).
      if (claims) await this.releaseRunDate(run.dag_id, run.run_id, run.logical_date).catch(() => undefined);
      if (isConditionalCheckFailed(error)) throw new DagRunExistsError(run.dag_id, run.run_id);
      throw error;
    }
    // Then its task instances, by the claim's winner only (not atomic with the claim: see the docs).
    await this.table.batchPut(
      [...byTask.values()].map(({ ti, ord }) => ({ ...toItem(TI, ti), ...K.taskInstanceKey(run.dag_id, run.run_id, ti.task_id), [ORD]: ord, ...taskIndexKey(run, ord) })),
      `create the task instances of run '${run.run_id}' of '${run.dag_id}'`,
    );
    await this.dagRunsChanged(run.dag_id);
  }

  /** After a DAG's runs (or their task instances) changed membership or order in the kept listings: they are read again. */
  private async dagRunsChanged(dagId: string): Promise<void> {
    await bumpCounter(this.table, K.dagRunsCounterKey(dagId), `note a change of the runs of '${dagId}'`);
  }

  /**
   * Claims `logicalDate` for `runId` with a conditional put of the date's item. A claim whose run does
   * not exist is a creation in progress (it takes milliseconds) or the leftover of a creator that died
   * between its two writes: once older than ORPHAN_CLAIM_MS it is dropped and the date claimed again.
   */
  private async claimRunDate(dagId: string, runId: string, logicalDate: string): Promise<void> {
    const key = K.runDateKey(dagId, logicalDate);
    for (let attempt = 1; ; attempt++) {
      const e = new Expressions();
      try {
        await this.table.put(
          {
            Item: { ...toItem(RUN_DATE, { dag_id: dagId, run_id: runId, logical_date: logicalDate }), ...key, [CLAIMED]: Date.now() },
            ConditionExpression: e.notExists(K.PK),
            ...e.attributes(),
          },
          `claim logical date ${logicalDate} of '${dagId}' for run '${runId}'`,
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const holder = await this.table.get(key);
      if (!holder && attempt < CLAIM_ATTEMPTS) continue; // released meanwhile
      const holderRunId = String(holder?.run_id ?? '');
      const orphan =
        holder !== undefined && attempt < CLAIM_ATTEMPTS && num(holder[CLAIMED]) < Date.now() - ORPHAN_CLAIM_MS && !(await this.table.get(K.runKey(dagId, holderRunId)));
      if (!orphan) throw holderRunId === runId ? new DagRunExistsError(dagId, runId) : new LogicalDateTakenError(dagId, runId, logicalDate, holderRunId);
      const d = new Expressions();
      try {
        await this.table.delete({ Key: key, ConditionExpression: allOf({ holder: d.equals('run_id', holderRunId), same: d.equals(CLAIMED, holder[CLAIMED]) }), ...d.attributes() });
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }

  /** Gives a logical date back, if `runId` holds it. */
  private async releaseRunDate(dagId: string, runId: string, logicalDate: string): Promise<void> {
    const e = new Expressions();
    try {
      await this.table.delete({ Key: K.runDateKey(dagId, logicalDate), ConditionExpression: e.equals('run_id', runId), ...e.attributes() });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async getDagRun(dagId: string, runId: string): Promise<DagRunRecord | undefined> {
    const item = await this.table.get(K.runKey(dagId, runId));
    return item && fromItem<DagRunRecord>(RUN, item);
  }

  async updateDagRun(dagId: string, runId: string, changes: Partial<DagRunRecord>, condition: DagRunCondition = {}): Promise<DagRunRecord> {
    const key = K.runKey(dagId, runId);
    const notFound = `DAG run '${runId}' of '${dagId}' not found`;
    let updated: DagRunRecord;
    const before = changes.logical_date !== undefined ? await this.getDagRun(dagId, runId) : undefined;
    if (before && claimsLogicalDate(before) && changes.logical_date !== undefined && K.sortableInstant(before.logical_date) !== K.sortableInstant(changes.logical_date)) {
      // A new logical date: claim it first, then move the run, then give the old one back.
      await this.claimRunDate(dagId, runId, changes.logical_date);
      try {
        updated = await this.updateRunItem(key, changes, condition, notFound);
      } catch (error) {
        await this.releaseRunDate(dagId, runId, changes.logical_date).catch(() => undefined);
        throw error;
      }
      await this.releaseRunDate(dagId, runId, before.logical_date);
    } else updated = await this.updateRunItem(key, changes, condition, notFound);
    if (RUN_INDEX_FIELDS.some((f) => f in changes)) {
      // The index keys follow the record's identity and logical date (a second write; rare).
      const e = new Expressions();
      const index = { ...runIndexKey(updated), [K.GSI2_SK]: K.activeRunSk(updated.dag_id, updated.logical_date, updated.run_id) };
      await this.table.update({
        Key: key,
        UpdateExpression: `SET ${Object.entries(index)
          .map(([name, value]) => `${e.name(name)} = ${e.value(value)}`)
          .join(', ')}`,
        ConditionExpression: e.exists(K.PK),
        ...e.attributes(),
      });
      await this.moveTaskIndexKeys(key.pk, updated);
    }
    if (RUN_LISTING_FIELDS.some((f) => f in changes)) await this.dagRunsChanged(dagId);
    return updated;
  }

  /** A run's task instances follow its logical date in the task-instances-by-DAG index (rare: a second write each). */
  private async moveTaskIndexKeys(pk: string, run: DagRunRecord): Promise<void> {
    const q = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ run: q.equals(K.PK, pk), tis: q.beginsWith(K.SK, K.TI_PREFIX) }),
      ProjectionExpression: [K.PK, K.SK, ORD].map((a) => q.name(a)).join(', '),
      ConsistentRead: true,
      ...q.attributes(),
    });
    for (const item of items) {
      const e = new Expressions();
      await this.table.update({
        Key: { pk: String(item.pk), sk: String(item.sk) },
        UpdateExpression: `SET ${Object.entries(taskIndexKey(run, num(item[ORD])))
          .map(([name, value]) => `${e.name(name)} = ${e.value(value)}`)
          .join(', ')}`,
        ConditionExpression: e.exists(K.PK),
        ...e.attributes(),
      });
    }
  }

  async listDagRuns(dagId: string, options: ListRunsOptions = {}): Promise<DagRunRecord[]> {
    const before = options.logicalDateBefore;
    if (before && Number.isNaN(Date.parse(before))) return [];
    if (options.states && options.states.length === 0) return [];
    // Only active states asked for: the sparse index holds just those runs, not the DAG's history.
    if (options.states?.every(isActiveRunState) && !before) return this.queryActiveRuns(dagId, options);
    const e = new Expressions();
    const keyCondition = allOf({
      dag: e.equals(K.GSI1_PK, K.runsByDagPk(dagId)),
      // `<instant>#<run>` < `<before>` exactly when instant < before (equal instants sort after).
      before: before ? e.lessThan(K.GSI1_SK, K.sortableInstant(before)) : undefined,
    });
    const filter = options.states ? e.oneOf('state', options.states) : undefined;
    const { items } = await orderedPage<DagRunRecord>(
      this.table,
      {
        IndexName: K.GSI1,
        KeyConditionExpression: keyCondition,
        ...(filter ? { FilterExpression: filter } : {}),
        ScanIndexForward: false,
        ...e.attributes(),
      },
      options,
      { group: (item) => K.sortableInstant(String(item.logical_date)), decode: (item) => fromItem<DagRunRecord>(RUN, item), order: newestRunFirst },
    );
    return items;
  }

  async listDagRunsByCreation(dagId: string, { offset, limit, descending }: { offset: number; limit: number; descending?: boolean }): Promise<Page<DagRunRecord>> {
    const keys = await this.keptKeys.read(`runs:${dagId}`, K.dagRunsCounterKey(dagId), async () => {
      const e = new Expressions();
      const fields = [K.PK, K.SK, 'run_id', 'logical_date', 'queued_at', 'start_date'];
      const items = await this.table.queryAll({ IndexName: K.GSI1, KeyConditionExpression: e.equals(K.GSI1_PK, K.runsByDagPk(dagId)), ProjectionExpression: fields.map((f) => e.name(f)).join(', '), ...e.attributes() });
      // runCreationOrder over keys computed once per run (runs without a creation time first).
      const runs = items.map((item) => {
        const run = fromItem<DagRunRecord>(RUN, item);
        return { pk: String(item.pk), sk: String(item.sk), at: runCreationKey(run) ?? Number.NEGATIVE_INFINITY, logical: Date.parse(run.logical_date), runId: run.run_id };
      });
      runs.sort((a, b) => (a.at === b.at ? b.logical - a.logical || b.runId.localeCompare(a.runId) : a.at - b.at));
      return runs.map(({ pk, sk, at }) => ({ pk, sk, at }));
    });
    const ordered = descending ? this.newestFirst(keys) : keys;
    const items = await this.itemsOf(ordered.slice(offset, offset + limit), `read runs of '${dagId}'`);
    return { items: items.map((item) => fromItem<DagRunRecord>(RUN, item)), total: keys.length };
  }

  /** Kept run keys newest first: the creation order reversed, ties kept in listDagRuns' order; made once per key list. */
  private newestFirst(keys: readonly TaskKey[]): readonly TaskKey[] {
    let reversed = this.reversedKeys.get(keys);
    if (!reversed) {
      reversed = [...keys].sort((a, b) => (a.at === b.at ? 0 : b.at - a.at));
      this.reversedKeys.set(keys, reversed);
    }
    return reversed;
  }

  async listActiveDagRuns(options: ListActiveRunsOptions = {}): Promise<DagRunRecord[]> {
    // The index also holds ended runs still owing side effects: the active runs are those in an active state.
    const states = options.states ?? ACTIVE_RUN_STATES;
    if (options.dagId !== undefined && !options.owingEffects) return this.queryActiveRuns(options.dagId, { states });
    if (states.length === 0 && !options.owingEffects) return [];
    const e = new Expressions();
    const keyCondition = allOf({
      active: e.equals(K.GSI2_PK, K.ACTIVE_RUNS_PK),
      dag: options.dagId !== undefined ? e.beginsWith(K.GSI2_SK, K.activeRunsOfDagPrefix(options.dagId)) : undefined,
    });
    const filter = options.owingEffects ? `NOT (${e.oneOf('state', ACTIVE_RUN_STATES)})` : e.oneOf('state', states);
    const items = await this.table.queryAll({ IndexName: K.GSI2, KeyConditionExpression: keyCondition, FilterExpression: filter, ...e.attributes() });
    return items.map((item) => fromItem<DagRunRecord>(RUN, item)).sort(activeRunOrder);
  }

  /** One DAG's active runs from the sparse GSI2, in listDagRuns' order (and paging). */
  private async queryActiveRuns(dagId: string, options: ListRunsOptions): Promise<DagRunRecord[]> {
    if (options.states && options.states.length === 0) return [];
    const e = new Expressions();
    const keyCondition = allOf({ active: e.equals(K.GSI2_PK, K.ACTIVE_RUNS_PK), dag: e.beginsWith(K.GSI2_SK, K.activeRunsOfDagPrefix(dagId)) });
    const filter = options.states ? e.oneOf('state', options.states) : undefined;
    const { items } = await orderedPage<DagRunRecord>(
      this.table,
      { IndexName: K.GSI2, KeyConditionExpression: keyCondition, ...(filter ? { FilterExpression: filter } : {}), ScanIndexForward: false, ...e.attributes() },
      options,
      { group: (item) => K.sortableInstant(String(item.logical_date)), decode: (item) => fromItem<DagRunRecord>(RUN, item), order: newestRunFirst },
    );
    return items;
  }

  async deleteDagRun(dagId: string, runId: string): Promise<void> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: e.equals(K.PK, K.runPk(dagId, runId)),
      ProjectionExpression: [K.PK, K.SK, BLOB, SEALED_BLOB, 'logical_date'].map((a) => e.name(a)).join(', '),
      ConsistentRead: true,
      ...e.attributes(),
    });
    // The run first, so it leaves listings before its task instances and XComs go.
    items.sort((a, b) => Number(b.sk === K.RUN_SK) - Number(a.sk === K.RUN_SK));
    await this.table.batchDelete(items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
    await this.dagRunsChanged(dagId);
    await this.large.discard(items.flatMap((i) => [str(i[BLOB]), str(i[SEALED_BLOB])]));
    // Then its logical date, free for a new run (a deletion that dies before this leaves an orphan claim).
    const logicalDate = str(items.find((i) => i.sk === K.RUN_SK)?.logical_date);
    if (logicalDate !== undefined) await this.releaseRunDate(dagId, runId, logicalDate);
  }

  async getTaskInstance(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord | undefined> {
    const item = await this.table.get(K.taskInstanceKey(dagId, runId, taskId));
    return item && fromItem<TaskInstanceRecord>(TI, item);
  }

  async getDagRunAndTaskInstance(dagId: string, runId: string, taskId: string): Promise<{ run: DagRunRecord | undefined; ti: TaskInstanceRecord | undefined }> {
    const [run, ti] = await this.table.batchGet([K.runKey(dagId, runId), K.taskInstanceKey(dagId, runId, taskId)], `read run '${runId}' of '${dagId}' and its task '${taskId}'`);
    return { run: run && fromItem<DagRunRecord>(RUN, run), ti: ti && fromItem<TaskInstanceRecord>(TI, ti) };
  }

  async listTaskInstances(dagId: string, runId: string, options: ListTaskInstancesOptions = {}): Promise<TaskInstanceRecord[]> {
    const e = new Expressions();
    const filter = options.states ? e.oneOf('state', options.states) : undefined;
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ run: e.equals(K.PK, K.runPk(dagId, runId)), tis: e.beginsWith(K.SK, K.TI_PREFIX) }),
      ...(filter ? { FilterExpression: filter } : {}),
      ConsistentRead: true,
      ...e.attributes(),
    });
    // Creation order (the order createDagRun was given).
    return items.sort((a, b) => num(a[ORD]) - num(b[ORD])).map((item) => fromItem<TaskInstanceRecord>(TI, item));
  }

  async listDagTaskInstances(dagId: string, options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    if (options.states && options.states.length === 0) return { items: [], total: 0 };
    const bounds = pageBounds(options);
    if (bounds && !options.states && options.logicalDateGte === undefined && options.logicalDateLte === undefined) return this.pageOfDagTaskInstances([dagId], bounds);
    const gte = options.logicalDateGte === undefined ? undefined : Date.parse(options.logicalDateGte);
    const lte = options.logicalDateLte === undefined ? undefined : Date.parse(options.logicalDateLte);
    if (Number.isNaN(gte) || Number.isNaN(lte) || (gte !== undefined && lte !== undefined && gte > lte)) return { items: [], total: 0 };
    const e = new Expressions();
    // `<instant>#<run>#<ord>` sorts by instant: [gte, lte] is [key(gte), key(lte + 1 ms)) (no key equals a bare instant).
    const low = gte === undefined ? ' ' : new Date(gte).toISOString();
    const high = lte === undefined ? '~' : new Date(lte + 1).toISOString();
    const range = gte === undefined && lte === undefined ? undefined : e.between(K.GSI1_SK, low, high);
    const filter = options.states ? e.oneOf('state', options.states) : undefined;
    const { items, total } = await orderedPage<DagTaskInstance & { ord: number }>(
      this.table,
      {
        IndexName: K.GSI1,
        KeyConditionExpression: allOf({ dag: e.equals(K.GSI1_PK, K.tasksByDagPk(dagId)), range }),
        ...(filter ? { FilterExpression: filter } : {}),
        ScanIndexForward: true,
        ...e.attributes(),
      },
      options,
      {
        group: (item) => K.sortableInstant(String(item[RUN_LOGICAL_DATE])),
        decode: (item) => ({ ti: fromItem<TaskInstanceRecord>(TI, item), logical_date: String(item[RUN_LOGICAL_DATE]), ord: num(item[ORD]) }),
        order: (a, b) => dagTaskInstanceOrder(a, b) || a.ord - b.ord,
        withTotal: true,
      },
    );
    return { items: items.map(({ ti, logical_date }) => ({ ti, logical_date })), total: total ?? items.length };
  }

  async listTaskInstancesOfDags(dagIds: readonly string[], options: ListDagTaskInstancesOptions = {}): Promise<Page<DagTaskInstance>> {
    const bounds = pageBounds(options);
    if (options.states?.length === 0) return { items: [], total: 0 };
    const unfiltered = !options.states && options.logicalDateGte === undefined && options.logicalDateLte === undefined;
    if (bounds && unfiltered && dagIds.length <= DAG_READS_AT_ONCE) return this.pageOfDagTaskInstances(dagIds, bounds);
    // Filtered (or many DAGs): each DAG's first offset + limit (or all), merged; the page is among them.
    const { offset: _offset, limit: _limit, ...filters } = options;
    const each: Page<DagTaskInstance>[] = [];
    for (let i = 0; i < dagIds.length; i += DAG_READS_AT_ONCE) {
      const some = dagIds.slice(i, i + DAG_READS_AT_ONCE);
      each.push(...(await Promise.all(some.map((id) => this.listDagTaskInstances(id, bounds ? { ...filters, offset: 0, limit: bounds.offset + bounds.limit } : filters)))));
    }
    const merged = each.flatMap((p) => p.items).sort(byLogicalDate);
    return { items: bounds ? merged.slice(bounds.offset, bounds.offset + bounds.limit) : page(merged, options).items, total: each.reduce((n, p) => n + p.total, 0) };
  }

  /**
   * An unfiltered page of the task instances across runs of one or more DAGs: their keys, in the
   * listing's exact order, are kept between listings (they change only when a run is created, deleted
   * or moved), so a page at any depth is one BatchGetItem of its own items and the total is the keys'
   * count.
   */
  private async pageOfDagTaskInstances(dagIds: readonly string[], bounds: { offset: number; limit: number }): Promise<Page<DagTaskInstance>> {
    const each = await Promise.all(dagIds.map((id) => this.dagTaskKeys(id)));
    // Several DAGs: merged by logical date, a stable sort keeping the DAGs' order (and each one's) on ties.
    const keys = each.length === 1 ? each[0]! : each.flat().sort((a, b) => a.at - b.at);
    const items = await this.itemsOf(keys.slice(bounds.offset, bounds.offset + bounds.limit), `read task instances of ${dagIds.map((id) => `'${id}'`).join(', ')}`);
    return { items: items.map((item) => ({ ti: fromItem<TaskInstanceRecord>(TI, item), logical_date: String(item[RUN_LOGICAL_DATE]) })), total: keys.length };
  }

  /** The keys of one DAG's task instances across runs, in listDagTaskInstances' order. */
  private dagTaskKeys(dagId: string): Promise<readonly TaskKey[]> {
    return this.keptKeys.read(`tis:${dagId}`, K.dagRunsCounterKey(dagId), async () => (await this.taskKeysFromRuns(dagId)) ?? this.taskKeysFromIndex(dagId));
  }

  /**
   * The keys from the DAG's runs and their task lists (task-lists.ts): one projected query of the
   * runs and the lists not yet in memory. Undefined when a run names no list (made before task lists,
   * or too many tasks for one item) or its list is missing: the index then has them.
   */
  private async taskKeysFromRuns(dagId: string): Promise<TaskKey[] | undefined> {
    const e = new Expressions();
    const runs = await this.table.queryAll({
      IndexName: K.GSI1,
      KeyConditionExpression: e.equals(K.GSI1_PK, K.runsByDagPk(dagId)),
      ProjectionExpression: [K.PK, 'run_id', 'logical_date', TASK_LIST].map((a) => e.name(a)).join(', '),
      ...e.attributes(),
    });
    if (!runs.every((run) => typeof run[TASK_LIST] === 'string')) return undefined;
    const lists = await this.taskLists.read(
      runs.map((run) => String(run[TASK_LIST])),
      `read the task lists of '${dagId}'`,
    );
    if (!runs.every((run) => lists.has(String(run[TASK_LIST])))) return undefined;
    const ordered = runs.map((run) => ({ logical_date: String(run.logical_date), ti: { run_id: String(run.run_id) }, pk: String(run.pk), tasks: lists.get(String(run[TASK_LIST]))! })).sort(dagTaskInstanceOrder);
    return ordered.flatMap((run) => {
      const at = Date.parse(run.logical_date);
      return run.tasks.map((taskId) => ({ pk: run.pk, sk: K.taskInstanceSk(taskId), at }));
    });
  }

  /** The keys from the index of task instances by DAG: one projected entry per task instance. */
  private async taskKeysFromIndex(dagId: string): Promise<TaskKey[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      IndexName: K.GSI1,
      KeyConditionExpression: e.equals(K.GSI1_PK, K.tasksByDagPk(dagId)),
      ProjectionExpression: [K.PK, K.SK, RUN_LOGICAL_DATE, 'run_id', ORD].map((a) => e.name(a)).join(', '),
      ...e.attributes(),
    });
    const order = (a: Item, b: Item) =>
      dagTaskInstanceOrder({ logical_date: String(a[RUN_LOGICAL_DATE]), ti: { run_id: String(a.run_id) } }, { logical_date: String(b[RUN_LOGICAL_DATE]), ti: { run_id: String(b.run_id) } }) || num(a[ORD]) - num(b[ORD]);
    return items.sort(order).map((item) => ({ pk: String(item.pk), sk: String(item.sk), at: Date.parse(String(item[RUN_LOGICAL_DATE])) }));
  }

  /** Items by key, in the keys' order (a missing one — deleted since the keys were read — left out). */
  private async itemsOf(keys: readonly K.Key[], what: string): Promise<Item[]> {
    const items: Item[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
      for (const item of await this.table.batchGet(keys.slice(i, i + BATCH_GET_MAX).map(({ pk, sk }) => ({ pk, sk })), what)) if (item) items.push(item);
    }
    return items;
  }

  async updateTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    changes: Partial<TaskInstanceRecord>,
    condition: TaskInstanceCondition = {},
  ): Promise<TaskInstanceRecord> {
    return this.updateTaskInstanceItem(K.taskInstanceKey(dagId, runId, taskId), `${dagId}.${taskId} of run '${runId}'`, withWaitingIndex(dagId, changes), condition);
  }

  async getTaskInstances(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord | undefined)[]> {
    const unique = [...new Set(taskIds)]; // BatchGetItem refuses a key twice
    const found = new Map<string, TaskInstanceRecord>();
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      const some = unique.slice(i, i + BATCH_GET_MAX);
      const items = await this.table.batchGet(some.map((id) => K.taskInstanceKey(dagId, runId, id)), `read ${some.length} task instance(s) of run '${runId}' of '${dagId}'`);
      items.forEach((item, j) => item && found.set(some[j]!, fromItem<TaskInstanceRecord>(TI, item)));
    }
    return taskIds.map((id) => found.get(id));
  }

  async getTaskInstanceStates(dagId: string, runId: string, taskIds: readonly string[]): Promise<(TaskInstanceRecord['state'] | undefined)[]> {
    const unique = [...new Set(taskIds)];
    const found = new Map<string, TaskInstanceRecord['state']>();
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      const some = unique.slice(i, i + BATCH_GET_MAX);
      const items = await this.table.batchGet(some.map((id) => K.taskInstanceKey(dagId, runId, id)), `read the states of ${some.length} task instance(s) of run '${runId}' of '${dagId}'`, ['state']);
      items.forEach((item, j) => item && found.set(some[j]!, (item.state ?? null) as TaskInstanceRecord['state']));
    }
    return taskIds.map((id) => found.get(id));
  }

  async listWaitingTaskInstances(dagId: string, limit?: number): Promise<TaskInstanceRecord[]> {
    if (limit !== undefined && limit <= 0) return [];
    const e = new Expressions();
    const query = { IndexName: K.GSI2, KeyConditionExpression: e.equals(K.GSI2_PK, K.waitingTasksPk(dagId)), ScanIndexForward: true, ...e.attributes() };
    // A GSI read is eventually consistent: a waiter indexed a moment ago may be missing (the next
    // completion or scheduler pass finds it), one that just left may still be listed (advance reads it again).
    const { items } = await this.table.query(query, limit === undefined ? {} : { enough: (got) => got.length >= limit, pageLimit: (got) => limit - got.length });
    return items.slice(0, limit).map((item) => fromItem<TaskInstanceRecord>(TI, item));
  }

  async createMappedTaskInstances(dagId: string, runId: string, taskInstances: readonly TaskInstanceRecord[]): Promise<void> {
    // One conditional put per index: an index that exists (a redelivered expansion) keeps its state.
    await Promise.all(
      taskInstances.map(async (ti) => {
        const e = new Expressions();
        try {
          await this.table.put(
            { Item: { ...toItem(TI, ti), ...K.mappedTaskInstanceKey(dagId, runId, ti.task_id, ti.map_index) }, ConditionExpression: e.notExists(K.PK), ...e.attributes() },
            `create mapped task instance ${dagId}.${ti.task_id}[${ti.map_index}] of run '${runId}'`,
          );
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }),
    );
  }

  async listMappedTaskInstances(dagId: string, runId: string, taskId: string): Promise<TaskInstanceRecord[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ run: e.equals(K.PK, K.runPk(dagId, runId)), tis: e.beginsWith(K.SK, K.mappedTaskInstancePrefix(taskId)) }),
      ConsistentRead: true,
      ...e.attributes(),
    });
    return items.map((item) => fromItem<TaskInstanceRecord>(TI, item)).sort((a, b) => a.map_index - b.map_index);
  }

  async getMappedTaskInstance(dagId: string, runId: string, taskId: string, mapIndex: number): Promise<TaskInstanceRecord | undefined> {
    const item = await this.table.get(K.mappedTaskInstanceKey(dagId, runId, taskId, mapIndex));
    return item && fromItem<TaskInstanceRecord>(TI, item);
  }

  async updateMappedTaskInstance(
    dagId: string,
    runId: string,
    taskId: string,
    mapIndex: number,
    changes: Partial<TaskInstanceRecord>,
    condition: TaskInstanceCondition = {},
  ): Promise<TaskInstanceRecord> {
    return this.updateTaskInstanceItem(K.mappedTaskInstanceKey(dagId, runId, taskId, mapIndex), `${dagId}.${taskId}[${mapIndex}] of run '${runId}'`, changes, condition);
  }

  private async updateTaskInstanceItem(key: K.Key, what: string, changes: object, condition: TaskInstanceCondition): Promise<TaskInstanceRecord> {
    const e = new Expressions();
    // A handler read the task instance, decided, and now writes if what it decided on still holds:
    // the state it saw (a claim: queued → running happens once), no decision yet for the waiting token
    // (each token is decided once), the try it worked on (a late callback of an old try changes nothing).
    const conditionExpression = allOf({
      exists: e.exists(K.PK),
      stateIn: condition.stateIn ? e.oneOf('state', condition.stateIn) : undefined,
      decisionAbsent: condition.decisionAbsent ? e.isNull('decision') : undefined,
      tryNumber: condition.tryNumber !== undefined ? e.equals('try_number', condition.tryNumber) : undefined,
      tokenIs: condition.tokenIs !== undefined ? e.equals('token', condition.tokenIs) : undefined,
      waitInvocationIs: condition.waitInvocationIs !== undefined ? e.equals('wait_invocation', condition.waitInvocationIs) : undefined,
      effectsDueIs: condition.effectsDueIs !== undefined ? e.equals('effects_due', condition.effectsDueIs) : undefined,
    });
    return this.conditionalUpdate<TaskInstanceRecord>(TI, key, changes, e, conditionExpression, `task instance ${what}`);
  }

  // ---- bounded slots, held per holder, spread over shards (slots.ts)

  async acquireSlot(scope: string, limit: number, holder: string, slots = 1): Promise<boolean> {
    if (Number.isNaN(limit)) throw new TypeError(`acquireSlot('${scope}'): the limit must be a number`);
    if (limit < slots) return (await this.slots.holdings(scope)).has(holder);
    return this.slots.acquire(scope, limit, holder, slots);
  }

  async releaseSlot(scope: string, holder: string): Promise<void> {
    await this.slots.release(scope, holder);
  }

  async listSlotHolders(scope: string): Promise<SlotHolding[]> {
    return [...(await this.slots.holdings(scope))].map(([holder, slots]) => ({ holder, slots }));
  }

  // ---- XComs

  async setXCom(record: XComRecord): Promise<void> {
    const { what, changes, blobs } = await this.xcomAttributes(record);
    const e = new Expressions();
    try {
      const old = await this.table.update(
        {
          Key: K.xcomKey(record.dag_id, record.run_id, record.task_id, record.map_index, record.key),
          // An overwrite keeps the first write's place in listings (`_seq`), like the reference's Map.
          UpdateExpression: e.update(changes, (_field, v) => v, [`${e.name(SEQ)} = if_not_exists(${e.name(SEQ)}, ${e.value(nextSeq())})`]),
          ReturnValues: 'ALL_OLD',
          ...e.attributes(),
        },
        `write ${what}`,
      );
      await this.large.discard([old?.[BLOB] !== blobs[0] ? str(old?.[BLOB]) : undefined, old?.[SEALED_BLOB] !== blobs[1] ? str(old?.[SEALED_BLOB]) : undefined]);
    } catch (error) {
      await this.large.discard(blobs);
      throw error;
    }
  }

  async addXComs(records: readonly XComRecord[]): Promise<void> {
    const written = await Promise.all(records.map((record) => this.xcomAttributes(record)));
    const items = written.map(({ changes }, i) => {
      const r = records[i]!;
      return { ...changes, ...K.xcomKey(r.dag_id, r.run_id, r.task_id, r.map_index, r.key), [SEQ]: nextSeq() };
    });
    try {
      await this.table.batchPut(items, `write ${records.length} XComs`);
    } catch (error) {
      await this.large.discard(written.flatMap((w) => w.blobs));
      throw error;
    }
  }

  /** An XCom's attributes: its value (and sealed value) inline, or offloaded to the blob store when too large. */
  private async xcomAttributes(record: XComRecord): Promise<{ what: string; changes: Item; blobs: [string | undefined, string | undefined] }> {
    const what = `XCom '${record.key}' of ${record.dag_id}.${record.task_id} (run '${record.run_id}')`;
    const { value, sealed_value: sealed, ...fields } = record;
    const path = ['xcom', record.dag_id, record.run_id, record.task_id, String(record.map_index), record.key];
    const stored = await this.large.store(what, path, value);
    // A sealed value shares the item with the inline value: it is offloaded when both would not fit.
    const room = this.large.inlineLimitBytes - (stored.json === undefined ? 0 : Buffer.byteLength(stored.json, 'utf8'));
    const storedSealed = sealed === undefined ? {} : await this.large.store(`${what} (sealed)`, [...path, 'sealed'], sealed, room);
    // An overwrite without a sealed value removes the old one (undefined fields are REMOVEd).
    const changes = { ...fields, [KIND]: XCOM.kind, value: stored.json, [BLOB]: stored.blob, sealed_value: storedSealed.json, [SEALED_BLOB]: storedSealed.blob };
    return { what, changes, blobs: [stored.blob, storedSealed.blob] };
  }

  async getXCom(dagId: string, runId: string, taskId: string, key: string, mapIndex = -1): Promise<XComRecord | undefined> {
    const item = await this.table.get(K.xcomKey(dagId, runId, taskId, mapIndex, key));
    return item && this.decodeXCom(item);
  }

  async listXComs(dagId: string, runId: string, taskId?: string): Promise<XComRecord[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({
        run: e.equals(K.PK, K.runPk(dagId, runId)),
        xcoms: e.beginsWith(K.SK, taskId === undefined ? K.XCOM_PREFIX : K.xcomTaskPrefix(taskId)),
      }),
      ConsistentRead: true,
      ...e.attributes(),
    });
    // First-write order.
    items.sort((a, b) => num(a[SEQ]) - num(b[SEQ]));
    return Promise.all(items.map((item) => this.decodeXCom(item)));
  }

  async deleteXComs(dagId: string, runId: string, taskId: string, mapIndex?: number): Promise<void> {
    const e = new Expressions();
    const prefix = K.xcomTaskPrefix(taskId) + (mapIndex === undefined ? '' : `${mapIndex}#`);
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ run: e.equals(K.PK, K.runPk(dagId, runId)), task: e.beginsWith(K.SK, prefix) }),
      ProjectionExpression: [K.PK, K.SK, BLOB, SEALED_BLOB].map((a) => e.name(a)).join(', '),
      ConsistentRead: true,
      ...e.attributes(),
    });
    await this.table.batchDelete(items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
    await this.large.discard(items.flatMap((i) => [str(i[BLOB]), str(i[SEALED_BLOB])]));
  }

  private async decodeXCom(item: Item): Promise<XComRecord> {
    const record = fromItem<XComRecord>(XCOM, item);
    const blob = str(item[BLOB]);
    const what = `XCom '${record.key}' of ${record.dag_id}.${record.task_id} (run '${record.run_id}')`;
    if (blob) record.value = await this.large.load(what, blob);
    const sealedBlob = str(item[SEALED_BLOB]);
    if (sealedBlob) record.sealed_value = (await this.large.load(`${what} (sealed)`, sealedBlob)) as string;
    return record;
  }

  // ---- DAGs, versions, import errors

  async putDag(record: DagRecord): Promise<void> {
    await this.table.put({ Item: { ...toItem(DAG, record), ...K.dagKey(record.dag_id) } }, `write DAG '${record.dag_id}'`);
    await this.dagCatalog.changed();
  }

  async getDag(dagId: string): Promise<DagRecord | undefined> {
    const item = await this.table.get(K.dagKey(dagId));
    return item && fromItem<DagRecord>(DAG, item);
  }

  async updateDag(dagId: string, changes: Partial<DagRecord>): Promise<DagRecord> {
    const updated = await this.updateExisting<DagRecord>(DAG, K.dagKey(dagId), changes, `DAG '${dagId}' not found`);
    await this.dagCatalog.changed();
    return updated;
  }

  async deleteDag(dagId: string): Promise<boolean> {
    const deleted = await this.deleteMember(K.dagKey(dagId));
    if (deleted) await this.dagCatalog.changed();
    return deleted;
  }

  async listDags(options: ListDagsOptions = {}): Promise<Page<DagRecord>> {
    return page((await this.dagCatalog.read()).filter((dag) => dagListed(dag, options)), options);
  }

  async putDagVersion(record: DagVersionRecord): Promise<void> {
    const what = `the model of DAG '${record.dag_id}' version '${record.version}'`;
    const { model, source, ...header } = record;
    // 1. The model item (the whole record, model and source inline or offloaded): the first writer wins.
    const stored = await this.large.store(what, ['dag-models', record.dag_id, record.version], model);
    // The source shares the item with the model: together they stay within the inline limit.
    const room = this.large.inlineLimitBytes - (stored.json === undefined ? 0 : Buffer.byteLength(stored.json, 'utf8'));
    const storedSource = await this.large.store(`the source of DAG '${record.dag_id}' version '${record.version}'`, ['dag-sources', record.dag_id, record.version], source, room);
    const e = new Expressions();
    let existed = false;
    try {
      await this.table.put(
        {
          Item: {
            ...toItem(MODEL, header),
            ...K.modelKey(record.dag_id, record.version),
            ...(stored.blob !== undefined ? { [BLOB]: stored.blob } : { model: stored.json }),
            ...(storedSource.blob !== undefined ? { [SOURCE_BLOB]: storedSource.blob } : storedSource.json !== undefined ? { source: storedSource.json } : {}),
          },
          ConditionExpression: e.notExists(K.PK),
          ...e.attributes(),
        },
        `write ${what}`,
      );
    } catch (error) {
      await this.large.discard([stored.blob, storedSource.blob]);
      if (!isConditionalCheckFailed(error)) throw error;
      existed = true;
    }
    // 2. The small header listDagVersions reads, after the model so a listed version can always be read.
    // Written even when the model existed: a writer that died between the two steps left no header.
    const h = new Expressions();
    try {
      await this.table.put({
        Item: { ...toItem(VERSION, header), ...K.versionKey(record.dag_id, record.version), [SEQ]: nextSeq() },
        ConditionExpression: h.notExists(K.PK),
        ...h.attributes(),
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // 3. A version recorded before its state machine was published (an archive import's) takes the
    //    deployment once: both items, each only while it has none.
    if (existed && record.state_machine_version_arn !== undefined) {
      for (const key of [K.modelKey(record.dag_id, record.version), K.versionKey(record.dag_id, record.version)]) {
        const u = new Expressions();
        try {
          await this.table.update({
            Key: key,
            UpdateExpression: `SET ${u.name('state_machine_version_arn')} = ${u.value(record.state_machine_version_arn)}`,
            ConditionExpression: `${u.exists(K.PK)} AND ${u.notExists('state_machine_version_arn')}`,
            ...u.attributes(),
          });
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }
    }
  }

  async getDagVersion(dagId: string, version: string): Promise<DagVersionRecord | undefined> {
    const item = await this.table.get(K.modelKey(dagId, version));
    if (!item) return undefined;
    const record = fromItem<DagVersionRecord>(MODEL, item);
    const blob = str(item[BLOB]);
    if (blob) record.model = (await this.large.load(`the model of DAG '${dagId}' version '${version}'`, blob)) as DagVersionRecord['model'];
    const sourceBlob = str(item[SOURCE_BLOB]);
    if (sourceBlob) record.source = (await this.large.load(`the source of DAG '${dagId}' version '${version}'`, sourceBlob)) as string;
    return record;
  }

  async listDagVersions(dagId: string): Promise<DagVersionHeader[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ dag: e.equals(K.PK, K.dagPk(dagId)), versions: e.beginsWith(K.SK, K.VERSION_PREFIX) }),
      ConsistentRead: true,
      ...e.attributes(),
    });
    // Newest first; equal creation times in write order.
    items.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || num(a[SEQ]) - num(b[SEQ]));
    return items.map((item) => fromItem<DagVersionHeader>(VERSION, item));
  }

  async putImportError(record: ImportErrorRecord): Promise<void> {
    await this.table.put({ Item: { ...toItem(IMPORT_ERROR, record), ...K.importErrorKey(record.filename) } }, `write the import error of '${record.filename}'`);
  }

  async deleteImportError(filename: string): Promise<void> {
    await this.table.delete({ Key: K.importErrorKey(filename) });
  }

  async listImportErrors(options: PageOptions = {}): Promise<Page<ImportErrorRecord>> {
    return this.listCollection<ImportErrorRecord>(K.IMPORT_ERRORS_PK, IMPORT_ERROR, 'filename', options);
  }

  // ---- variables, connections, pools, users

  async getVariable(key: string): Promise<VariableRecord | undefined> {
    return this.getMember<VariableRecord>(VARIABLE, K.variableKey(key));
  }

  async putVariable(record: VariableRecord): Promise<void> {
    await this.table.put({ Item: { ...toItem(VARIABLE, record), ...K.variableKey(record.key) } }, `write variable '${record.key}'`);
  }

  async deleteVariable(key: string): Promise<boolean> {
    return this.deleteMember(K.variableKey(key));
  }

  async listVariables(options: PageOptions = {}): Promise<Page<VariableRecord>> {
    return this.listCollection<VariableRecord>(K.VARIABLES_PK, VARIABLE, 'key', options);
  }

  async getConnection(connId: string): Promise<ConnectionRecord | undefined> {
    return this.getMember<ConnectionRecord>(CONNECTION, K.connectionKey(connId));
  }

  async putConnection(record: ConnectionRecord): Promise<void> {
    await this.table.put({ Item: { ...toItem(CONNECTION, record), ...K.connectionKey(record.conn_id) } }, `write connection '${record.conn_id}'`);
  }

  async deleteConnection(connId: string): Promise<boolean> {
    return this.deleteMember(K.connectionKey(connId));
  }

  async listConnections(options: PageOptions = {}): Promise<Page<ConnectionRecord>> {
    return this.listCollection<ConnectionRecord>(K.CONNECTIONS_PK, CONNECTION, 'conn_id', options);
  }

  async getPool(name: string): Promise<PoolRecord | undefined> {
    return this.getMember<PoolRecord>(POOL, K.poolKey(name));
  }

  async putPool(record: PoolRecord): Promise<void> {
    await this.table.put({ Item: { ...toItem(POOL, record), ...K.poolKey(record.name) } }, `write pool '${record.name}'`);
  }

  async deletePool(name: string): Promise<boolean> {
    return this.deleteMember(K.poolKey(name));
  }

  async listPools(options: PageOptions = {}): Promise<Page<PoolRecord>> {
    return this.listCollection<PoolRecord>(K.POOLS_PK, POOL, 'name', options);
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    return this.getMember<UserRecord>(USER, K.userKey(username));
  }

  async putUser(record: UserRecord, options: { createOnly?: boolean } = {}): Promise<void> {
    const e = new Expressions();
    try {
      await this.table.put(
        {
          Item: { ...toItem(USER, record), ...K.userKey(record.username) },
          ...(options.createOnly ? { ConditionExpression: e.notExists(K.PK), ...e.attributes() } : {}),
        },
        `write user '${record.username}'`,
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConditionFailedError(`user '${record.username}' already exists`, undefined);
      throw error;
    }
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.deleteMember(K.userKey(username));
  }

  async listUsers(options: PageOptions = {}): Promise<Page<UserRecord>> {
    return this.listCollection<UserRecord>(K.USERS_PK, USER, 'username', options);
  }

  // ---- models and datasets

  async putRepositoryVersion(record: RepositoryVersionRecord, options: { createOnly?: boolean } = {}): Promise<void> {
    const e = new Expressions();
    const what = `${record.kind} '${record.name}' version ${record.version}`;
    try {
      await this.table.put(
        {
          Item: { ...toItem(REPOSITORY, record), ...K.repositoryVersionKey(record.kind, record.name, record.version) },
          ...(options.createOnly ? { ConditionExpression: e.notExists(K.PK), ...e.attributes() } : {}),
        },
        `write ${what}`,
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new ConditionFailedError(`${what} already exists`, undefined);
      throw error;
    }
  }

  async getRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<RepositoryVersionRecord | undefined> {
    return this.getMember<RepositoryVersionRecord>(REPOSITORY, K.repositoryVersionKey(kind, name, version));
  }

  async listRepositoryVersions(kind: RepositoryKind, name?: string): Promise<RepositoryVersionRecord[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ kind: e.equals(K.PK, K.repositoryPk(kind)), name: e.beginsWith(K.SK, name === undefined ? K.MEMBER : K.repositoryNamePrefix(name)) }),
      ConsistentRead: true,
      ...e.attributes(),
    });
    // Key order is name then version already, but names compare as the reference compares them.
    return items.map((item) => fromItem<RepositoryVersionRecord>(REPOSITORY, item)).sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
  }

  async deleteRepositoryVersion(kind: RepositoryKind, name: string, version: number): Promise<boolean> {
    return this.deleteMember(K.repositoryVersionKey(kind, name, version));
  }

  // ---- custom roles

  async getRole(name: string): Promise<RoleRecord | undefined> {
    return this.getMember<RoleRecord>(ROLE, K.roleKey(name));
  }

  async putRole(record: RoleRecord, options: { createOnly?: boolean; ifChangedOn?: string } = {}): Promise<void> {
    const e = new Expressions();
    const condition = options.createOnly
      ? e.notExists(K.PK)
      : options.ifChangedOn !== undefined
        ? `${e.exists(K.PK)} AND ${e.equals('changed_on', options.ifChangedOn)}`
        : undefined;
    try {
      await this.table.put(
        {
          Item: { ...toItem(ROLE, record), ...K.roleKey(record.name) },
          ...(condition ? { ConditionExpression: condition, ...e.attributes() } : {}),
        },
        `write role '${record.name}'`,
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      if (options.createOnly) throw new ConditionFailedError(`role '${record.name}' already exists`, undefined);
      // One read tells a lost race from a role deleted meanwhile.
      if (!(await this.table.get(K.roleKey(record.name)))) throw new NotFoundError(`role '${record.name}' not found`);
      throw new ConditionFailedError(`role '${record.name}' was changed by another request`, undefined);
    }
  }

  async deleteRole(name: string): Promise<boolean> {
    return this.deleteMember(K.roleKey(name));
  }

  async listRoles(options: PageOptions = {}): Promise<Page<RoleRecord>> {
    return this.listCollection<RoleRecord>(K.ROLES_PK, ROLE, 'name', options);
  }

  // ---- sign-in failure counts

  async recordSignInFailure(subject: string, at: Date, windowMs: number): Promise<SignInFailuresRecord> {
    const key = K.signInFailuresKey(subject);
    const now = at.toISOString();
    const expires = signInFailuresExpiry(at, windowMs);
    const nowSeconds = at.getTime() / 1000;
    // Two conditional writes race-free between them: count on while the count is live; otherwise start
    // at 1, only if the count is still absent or lapsed (a racing writer may have just started it).
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = new Expressions();
      try {
        const attributes = await this.table.update({
          Key: key,
          UpdateExpression: `SET ${e.name('last_failure_at')} = ${e.value(now)}, ${e.name('expires_at')} = ${e.value(expires)} ADD ${e.name('failures')} ${e.value(1)}`,
          ConditionExpression: `${e.exists(K.PK)} AND ${e.greaterThan('expires_at', nowSeconds)}`,
          ReturnValues: 'ALL_NEW',
          ...e.attributes(),
        });
        return fromItem<SignInFailuresRecord>(SIGN_IN_FAILURES, attributes ?? {});
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const record: SignInFailuresRecord = { subject, failures: 1, last_failure_at: now, expires_at: expires };
      const f = new Expressions();
      try {
        await this.table.put({
          Item: { ...toItem(SIGN_IN_FAILURES, record), ...key },
          ConditionExpression: `${f.notExists(K.PK)} OR ${f.lessThan('expires_at', nowSeconds)} OR ${f.equals('expires_at', nowSeconds)}`,
          ...f.attributes(),
        });
        return record;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`could not count a failed sign-in of '${subject}': the count kept changing under concurrent writes`);
  }

  async getSignInFailures(subject: string, now: Date): Promise<SignInFailuresRecord | undefined> {
    const record = await this.getMember<SignInFailuresRecord>(SIGN_IN_FAILURES, K.signInFailuresKey(subject));
    return record && !signInFailuresLapsed(record, now) ? record : undefined;
  }

  async clearSignInFailures(subject: string): Promise<void> {
    await this.table.delete({ Key: K.signInFailuresKey(subject) });
  }

  // ---- audit log

  async appendAuditLog(record: AuditLogRecord): Promise<void> {
    const sk = K.auditSk(record.when, record.event_log_id);
    // Kept until the end of the (UTC) day its retention ends: entries lapse a day at a time, so the
    // kept count of each day says exactly how many entries are still listed.
    const expiresAt = auditExpiry(Math.floor(Date.now() / 1000) + this.auditRetentionSeconds);
    const e = new Expressions();
    try {
      await this.table.put(
        {
          Item: {
            ...toItem(AUDIT, record),
            [K.PK]: K.auditShardPk(record.event_log_id),
            [K.SK]: sk,
            // A DAG's entries are also in its own GSI1 partition, for the dag_id filter.
            ...(record.dag_id != null ? { [K.GSI1_PK]: K.auditByDagPk(record.dag_id), [K.GSI1_SK]: sk } : {}),
            // DynamoDB's TTL deletes the entry after this (lazily: listings skip lapsed entries).
            [METADATA_TTL_ATTRIBUTE]: expiresAt,
          },
          ConditionExpression: e.notExists(K.PK),
          ...e.attributes(),
        },
        `append audit log entry '${record.event_log_id}'`,
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return; // appended (and counted) before: a redelivery
    }
    await this.counts.increment(K.AUDIT_COUNT, auditCountBucket(expiresAt));
  }

  async listAuditLog(options: ListAuditOptions = {}): Promise<Page<AuditLogRecord>> {
    const byDag = options.dagId !== undefined;
    const partitions = byDag ? [K.auditByDagPk(options.dagId as string)] : K.auditPartitions();
    const bounds = pageBounds(options);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const inputs = partitions.map((partition) => {
      const e = new Expressions();
      const filter = allOf({
        event: options.event !== undefined ? e.equals('event', options.event) : undefined,
        owner: options.owner !== undefined ? e.equals('owner', options.owner) : undefined,
        kept: anyOf([e.notExists(METADATA_TTL_ATTRIBUTE), e.greaterThan(METADATA_TTL_ATTRIBUTE, nowSeconds)]),
      });
      return {
        ...(byDag ? { IndexName: K.GSI1 } : { ConsistentRead: true }),
        KeyConditionExpression: e.equals(byDag ? K.GSI1_PK : K.PK, partition),
        ...(filter ? { FilterExpression: filter } : {}),
        ScanIndexForward: false,
        ...e.attributes(),
      };
    });
    const how = { group: (item: Item) => String(item.when), decode: (item: Item) => fromItem<AuditLogRecord>(AUDIT, withoutExpiry(item)), order: auditOrder };
    // The whole log, unfiltered: its total is kept (by the day entries lapse); otherwise counted.
    const counted = !byDag && options.event === undefined && options.owner === undefined;
    if (!bounds) {
      const all = (await Promise.all(inputs.map((input) => this.table.queryAll(input)))).flat().map(how.decode).sort(how.order);
      return page(all, options);
    }
    if (counted) {
      // The count first: the kept head of the log is current with it (audit-head.ts).
      const buckets = await this.counts.buckets(K.AUDIT_COUNT);
      const total = auditTotal(buckets, nowSeconds);
      const keys = bounds.limit === 0 ? [] : await this.auditHead.page(buckets, nowSeconds, bounds.offset, bounds.limit);
      if (keys) return { items: (await this.itemsOf(keys, 'read audit log entries')).map(how.decode), total };
    }
    const [items, total] = await Promise.all([
      mergedPage(this.table, inputs, bounds, how),
      counted ? this.keptAuditTotal(nowSeconds) : Promise.all(inputs.map((input) => this.table.count(input))).then((n) => n.reduce((a, b) => a + b, 0)),
    ]);
    return { items, total };
  }

  /** The day's repair of the kept counts (count-repair.ts); the counts it set. */
  async repairKeptCounts(now: Date): Promise<string[]> {
    return repairKeptCounts(this.table, this.counts, now, this.auditRetentionSeconds);
  }

  /** The entries not lapsed at `nowSeconds`: the kept counts of the days that have not ended. */
  private async keptAuditTotal(nowSeconds: number): Promise<number> {
    return auditTotal(await this.counts.buckets(K.AUDIT_COUNT), nowSeconds);
  }

  // ---- dataset events

  async appendDatasetEvent(record: DatasetEventRecord): Promise<void> {
    const e = new Expressions();
    const sk = K.datasetEventSk(record.id);
    // The alias copies first: once the event itself exists a redelivery stops here (conditional put).
    for (const alias of record.source_aliases ?? []) {
      await this.table.put({ Item: { ...toItem(DATASET_EVENT, record), [K.PK]: K.datasetAliasEventsPk(alias), [K.SK]: sk } }, `record dataset event ${record.id} through alias ${alias}`);
    }
    try {
      await this.table.put(
        {
          Item: { ...toItem(DATASET_EVENT, record), [K.PK]: K.DATASET_EVENTS_PK, [K.SK]: sk, [K.GSI1_PK]: K.datasetEventsByUriPk(record.uri), [K.GSI1_SK]: sk },
          ConditionExpression: e.notExists(K.PK),
          ...e.attributes(),
        },
        `record dataset event ${record.id}`,
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Recorded (and counted) before; the URI's newest event is set again in case that writer died first.
      await recordDatasetUpdate(this.table, record);
      return;
    }
    // A late event (made long before its put) lands among the oldest: kept copies of their places are read again (event-offsets.ts).
    const late = Date.now() * 1000 - record.id > LATE_MS * 1000;
    await Promise.all([
      this.counts.increment(K.DATASET_EVENTS_PK),
      this.counts.increment(K.datasetEventsByUriPk(record.uri)),
      recordDatasetUpdate(this.table, record),
      late ? bumpCounter(this.table, K.DATASET_EVENTS_LATE_COUNTER_KEY, `note late dataset event ${record.id}`) : undefined,
    ]);
  }

  async listDatasetUpdates(): Promise<DatasetUpdate[]> {
    const e = new Expressions();
    const items = await this.table.queryAll({ KeyConditionExpression: e.equals(K.PK, K.DATASET_URIS_PK), ConsistentRead: true, ...e.attributes() }, 'read the datasets with events');
    return items.map(datasetUpdateOf).sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  }

  async listDatasetEvents(options: ListDatasetEventsOptions = {}): Promise<Page<DatasetEventRecord>> {
    const e = new Expressions();
    const byUri = options.uri !== undefined;
    const partition = options.alias !== undefined ? K.datasetAliasEventsPk(options.alias) : K.DATASET_EVENTS_PK;
    const pk = byUri ? e.equals(K.GSI1_PK, K.datasetEventsByUriPk(options.uri as string)) : e.equals(K.PK, partition);
    // Events after an instant have ids from its next millisecond on (an id is its timestamp's ms × 1000 + a tie-breaker).
    const after = options.after === undefined ? undefined : e.greaterThan(byUri ? K.GSI1_SK : K.SK, K.datasetEventSk((Date.parse(options.after) + 1) * 1000 - 1));
    const filter = allOf({
      // By URI and alias: the URI's index, keeping the events that went through the alias.
      alias: byUri && options.alias !== undefined ? e.contains('source_aliases', options.alias) : undefined,
      dag: options.sourceDagId !== undefined ? e.equals('source_dag_id', options.sourceDagId) : undefined,
      task: options.sourceTaskId !== undefined ? e.equals('source_task_id', options.sourceTaskId) : undefined,
      run: options.sourceRunId !== undefined ? e.equals('source_run_id', options.sourceRunId) : undefined,
      map: options.sourceMapIndex !== undefined ? e.equals('source_map_index', options.sourceMapIndex) : undefined,
    });
    const input = {
      ...(byUri ? { IndexName: K.GSI1 } : { ConsistentRead: true }),
      KeyConditionExpression: allOf({ pk, after }),
      ...(filter ? { FilterExpression: filter } : {}),
      ScanIndexForward: true,
      ...e.attributes(),
    };
    // Every event, or every event of one URI: the total is kept (a count would read them all).
    const counted = filter === undefined && options.alias === undefined && options.after === undefined;
    const bounds = pageBounds(options);
    if (counted && !byUri && bounds) {
      // All events, paged: the kept places of the oldest (event-offsets.ts), current with the count read first.
      const [count, late] = await this.table.batchGet([countKey(K.DATASET_EVENTS_PK), K.DATASET_EVENTS_LATE_COUNTER_KEY], 'read the dataset events count');
      const stamp = { count: num(count?.[ALL]), late: counterValue(late) };
      const items = bounds.limit === 0 ? [] : await this.eventOffsets.page(stamp, bounds.offset, bounds.limit);
      if (items) return { items: items.map((item) => fromItem<DatasetEventRecord>(DATASET_EVENT, item)), total: stamp.count };
    }
    const [{ items, total }, kept] = await Promise.all([
      orderedPage<DatasetEventRecord>(this.table, input, options, {
        group: (item) => String(item.id),
        decode: (item) => fromItem<DatasetEventRecord>(DATASET_EVENT, item),
        order: datasetEventOrder,
        withTotal: !counted,
        // Ids are their timestamp's ms × 1000 + a tie-breaker: key order is datasetEventOrder.
        exactKeyOrder: true,
      }),
      counted ? this.counts.get(byUri ? K.datasetEventsByUriPk(options.uri as string) : K.DATASET_EVENTS_PK) : undefined,
    ]);
    return { items, total: total ?? kept ?? items.length };
  }

  async latestDatasetEvents(uri: string, limit: number, beforeId?: number): Promise<DatasetEventRecord[]> {
    if (!(limit > 0)) return [];
    const e = new Expressions();
    const keyCondition = allOf({
      uri: e.equals(K.GSI1_PK, K.datasetEventsByUriPk(uri)),
      before: beforeId === undefined ? undefined : e.lessThan(K.GSI1_SK, K.datasetEventSk(beforeId)),
    });
    const { items } = await this.table.query(
      { IndexName: K.GSI1, KeyConditionExpression: keyCondition, ScanIndexForward: false, ...e.attributes() },
      { enough: (got) => got.length >= limit, pageLimit: (got) => limit - got.length },
    );
    return items.slice(0, limit).map((item) => fromItem<DatasetEventRecord>(DATASET_EVENT, item));
  }

  // ---- SLA misses

  async createSlaMiss(record: SlaMissRecord): Promise<boolean> {
    const e = new Expressions();
    try {
      await this.table.put(
        { Item: { ...toItem(SLA_MISS, record), ...K.slaMissKey(record.dag_id, record.task_id, record.execution_date) }, ConditionExpression: e.notExists(K.PK), ...e.attributes() },
        `record the SLA miss of task '${record.task_id}' of DAG '${record.dag_id}'`,
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async updateSlaMiss(dagId: string, taskId: string, executionDate: string, changes: Partial<Pick<SlaMissRecord, 'email_sent' | 'notification_sent' | 'description'>>): Promise<SlaMissRecord> {
    return this.updateExisting<SlaMissRecord>(SLA_MISS, K.slaMissKey(dagId, taskId, executionDate), changes, `SLA miss of task '${taskId}' of DAG '${dagId}' at ${executionDate}`);
  }

  async listSlaMisses(options: ListSlaMissesOptions = {}): Promise<Page<SlaMissRecord>> {
    const e = new Expressions();
    const items = await this.table.queryAll({
      KeyConditionExpression: allOf({ pk: e.equals(K.PK, K.SLA_MISSES_PK), dag: e.beginsWith(K.SK, options.dagId === undefined ? K.MEMBER : K.slaMissDagPrefix(options.dagId)) }),
      ConsistentRead: true,
      ...e.attributes(),
    });
    return page(items.map((item) => fromItem<SlaMissRecord>(SLA_MISS, item)).sort(slaMissOrder), options);
  }

  // ---- shared helpers

  /** The run item's update (its active-runs index keys follow the state), if the condition holds. */
  private async updateRunItem(key: K.Key, changes: Partial<DagRunRecord>, condition: DagRunCondition, notFound: string): Promise<DagRunRecord> {
    if (condition.stateIn === undefined && condition.effectsDueIs === undefined) return this.updateExisting<DagRunRecord>(RUN, key, withActiveRunIndex(changes), notFound);
    const e = new Expressions();
    const conditionExpression = allOf({
      exists: e.exists(K.PK),
      stateIn: condition.stateIn ? e.oneOf('state', condition.stateIn) : undefined,
      effectsDue: condition.effectsDueIs !== undefined ? e.equals('effects_due', condition.effectsDueIs) : undefined,
    });
    return this.conditionalUpdate<DagRunRecord>(RUN, key, withActiveRunIndex(changes), e, conditionExpression, notFound.replace(/ not found$/, ''));
  }

  /**
   * A handler read a record, decided, and now writes if what it decided on still holds: UpdateItem
   * under `conditionExpression` (which requires the item to exist). NotFoundError for a missing item,
   * ConditionFailedError carrying the current record otherwise.
   */
  private async conditionalUpdate<T extends TaskInstanceRecord | DagRunRecord>(c: Codec, key: K.Key, changes: object, e: Expressions, conditionExpression: string | undefined, what: string): Promise<T> {
    const updateExpression = e.update(changes as Record<string, unknown>, (field, value) => encodeField(c, field, value)) ?? `SET ${e.name(KIND)} = ${e.value(c.kind)}`;
    try {
      const attributes = await this.table.update({
        Key: key,
        UpdateExpression: updateExpression,
        ConditionExpression: conditionExpression,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ...e.attributes(),
      });
      return fromItem<T>(c, attributes ?? {});
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // DynamoDB returns the item that failed the check; emulators that do not get one more (consistent) read.
      const current = itemOfConditionFailure(error) ?? (await this.table.get(key));
      if (!current) throw new NotFoundError(`${what} not found`);
      throw new ConditionFailedError(`condition failed for ${what}`, fromItem<T>(c, current));
    }
  }

  /** UpdateItem that requires the item to exist (NotFoundError otherwise); returns the new record. */
  private async updateExisting<T>(c: Codec, key: K.Key, changes: object, notFound: string): Promise<T> {
    const e = new Expressions();
    const updateExpression = e.update(changes as Record<string, unknown>, (field, value) => encodeField(c, field, value)) ?? `SET ${e.name(KIND)} = ${e.value(c.kind)}`;
    try {
      const attributes = await this.table.update({
        Key: key,
        UpdateExpression: updateExpression,
        ConditionExpression: e.exists(K.PK),
        ReturnValues: 'ALL_NEW',
        ...e.attributes(),
      });
      return fromItem<T>(c, attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(notFound);
      throw error;
    }
  }

  private async getMember<T>(c: Codec, key: K.Key): Promise<T | undefined> {
    const item = await this.table.get(key);
    return item && fromItem<T>(c, item);
  }

  private async deleteMember(key: K.Key): Promise<boolean> {
    return (await this.table.delete({ Key: key, ReturnValues: 'ALL_OLD' })) !== undefined;
  }

  /**
   * A whole collection partition (strongly consistent), sorted like the reference (by the id field,
   * localeCompare) and sliced: the total needs every match anyway, so nothing cheaper exists.
   */
  private async listCollection<T>(pk: string, c: Codec, idField: keyof T & string, options: PageOptions, e = new Expressions(), filter?: string, fields?: readonly (keyof T & string)[]): Promise<Page<T>> {
    const items = await this.table.queryAll({
      KeyConditionExpression: e.equals(K.PK, pk),
      ...(filter ? { FilterExpression: filter } : {}),
      ...(fields ? { ProjectionExpression: fields.map((f) => e.name(f)).join(', ') } : {}),
      ConsistentRead: true,
      ...e.attributes(),
    });
    return page(items.map((item) => fromItem<T>(c, item)).sort(byField<T>(idField)), options);
  }
}

/** A new run's GSI2 keys: the sort key always (a later state change only sets or removes gsi2pk), the partition while active. */
function activeRunIndexKey(run: DagRunRecord): Record<string, string> {
  return { [K.GSI2_SK]: K.activeRunSk(run.dag_id, run.logical_date, run.run_id), ...(isActiveRunState(run.state) ? { [K.GSI2_PK]: K.ACTIVE_RUNS_PK } : {}) };
}

/**
 * A run's changes plus its place in the active-runs index, in the same UpdateItem: the index cannot
 * disagree with the state. A run that ended owing side effects stays in it until they are cleared
 * (`effects_due` is only ever written on an ended run, or with the end state itself).
 */
function withActiveRunIndex(changes: Partial<DagRunRecord>): Record<string, unknown> {
  const state = changes.state;
  if ('effects_due' in changes) return { ...changes, [K.GSI2_PK]: changes.effects_due || (state !== undefined && isActiveRunState(state)) ? K.ACTIVE_RUNS_PK : undefined };
  return state !== undefined ? { ...changes, [K.GSI2_PK]: isActiveRunState(state) ? K.ACTIVE_RUNS_PK : undefined } : changes;
}

/** The audit entries not lapsed at `nowSeconds`, from the count's buckets: those of the days that have not ended. */
function auditTotal(buckets: Record<string, number>, nowSeconds: number): number {
  return Object.entries(buckets).reduce((sum, [bucket, n]) => (auditBucketEnd(bucket) > nowSeconds ? sum + n : sum), 0);
}

/** An item without its TTL attribute (the audit record has no such field). */
function withoutExpiry(item: Item): Item {
  const { [METADATA_TTL_ATTRIBUTE]: _expiry, ...rest } = item;
  return rest;
}

/** A task instance's place in the task-instances-by-DAG index (GSI1), from its run. */
function taskIndexKey(run: Pick<DagRunRecord, 'dag_id' | 'run_id' | 'logical_date'>, ord: number): Record<string, string> {
  const place = K.tasksByDagSk(run.logical_date, run.run_id, ord);
  // gsi2sk: its place among the DAG's waiting task instances, indexed while it is scheduled (gsi2pk).
  return { [K.GSI1_PK]: K.tasksByDagPk(run.dag_id), [K.GSI1_SK]: place, [K.GSI2_SK]: place, [RUN_LOGICAL_DATE]: run.logical_date };
}

/** A task instance's changes with its waiting-index partition: set while it is scheduled, removed otherwise. */
function withWaitingIndex(dagId: string, changes: Partial<TaskInstanceRecord>): object {
  if (!('state' in changes)) return changes;
  return { ...changes, [K.GSI2_PK]: changes.state === 'scheduled' ? K.waitingTasksPk(dagId) : undefined };
}

function runIndexKey(run: Pick<DagRunRecord, 'dag_id' | 'run_id' | 'logical_date'>): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: K.runsByDagPk(run.dag_id), gsi1sk: K.runsByDagSk(run.logical_date, run.run_id) };
}

