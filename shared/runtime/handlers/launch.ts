/**
 * Creating a DAG run: the run record and one task instance per task (state none). Run ids follow
 * Airflow (`manual__<iso>`, `scheduled__<iso>`); creating an existing run id fails with
 * DagRunExistsError, which makes scheduled launches idempotent under at-least-once delivery.
 */
import type { SecretCipher } from '../../api/secrets/cipher.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import { confSealContext, sealRunConf } from '../../secrets/sealed.js';
import type { RunStore } from '../../stores/metadata.js';
import { manualRunDataInterval, pythonIsoFormat, type DataInterval } from '../intervals.js';
import type { CustomTimetables } from '../../scheduling/custom-timetable.js';
import { tiMaxTries } from '../retries.js';
import { DagRunState, type DagRunType } from '../states.js';

export interface LaunchOptions {
  runType: DagRunType;
  logicalDate: Date;
  /** Defaults: Airflow's manual interval inference (scheduled runs always pass theirs). */
  dataInterval?: DataInterval;
  runId?: string;
  conf?: Record<string, unknown>;
  dagVersion?: string | null;
  parent?: DagRunRecord['parent'];
  now: Date;
  /** Airflow's `external_trigger` (default: true unless scheduled or backfill; `dags test` runs are not externally triggered). */
  externalTrigger?: boolean;
  /** Seals a conf with sensitive keys (the record keeps it masked); without one the conf is stored as given. */
  cipher?: SecretCipher;
  /** A custom timetable's Python (the manual data interval of its DAGs' runs). */
  timetables?: CustomTimetables | undefined;
}

export function defaultRunId(runType: DagRunType, logicalDate: Date): string {
  return `${runType}__${pythonIsoFormat(logicalDate.toISOString())}`;
}

export function newTaskInstances(dag: Dag, runId: string): TaskInstanceRecord[] {
  return dag.tasks.map((task) => ({
    dag_id: dag.dag_id,
    run_id: runId,
    task_id: task.task_id,
    map_index: -1,
    state: null,
    try_number: 0,
    max_tries: tiMaxTries(task),
    start_date: null,
    end_date: null,
    duration: null,
    queued_when: null,
    operator: task.operator,
    pool: task.pool,
    pool_slots: task.pool_slots,
    queue: task.queue,
    priority_weight: task.priority_weight,
    hostname: '',
    token: null,
    decision: null,
    rendered_fields: null,
    note: null,
    ...(task.task_display_name !== undefined ? { task_display_name: task.task_display_name } : {}),
  }));
}

export async function launchDagRun(store: RunStore, dag: Dag, options: LaunchOptions): Promise<DagRunRecord> {
  const interval = options.dataInterval ?? (await manualRunDataInterval(dag, options.logicalDate, { timetables: options.timetables, version: options.dagVersion ?? null }));
  const runId = options.runId ?? defaultRunId(options.runType, options.logicalDate);
  const run: DagRunRecord = {
    dag_id: dag.dag_id,
    run_id: runId,
    logical_date: options.logicalDate.toISOString(),
    data_interval_start: interval.start,
    data_interval_end: interval.end,
    run_type: options.runType,
    state: DagRunState.RUNNING,
    external_trigger: options.externalTrigger ?? (options.runType !== 'scheduled' && options.runType !== 'backfill'),
    ...sealRunConf(options.cipher, options.conf ?? {}, confSealContext({ dag_id: dag.dag_id, run_id: runId })),
    queued_at: options.now.toISOString(),
    start_date: options.now.toISOString(),
    end_date: null,
    dag_version: options.dagVersion ?? null,
    parent: options.parent ?? null,
    note: null,
  };
  await store.createDagRun(run, newTaskInstances(dag, run.run_id));
  return run;
}
