/**
 * What the metadata store keeps about runs: DAG runs, task instances and XComs. Field names follow
 * Airflow 2's REST API, so API responses are mostly these records as they are.
 */
import type { DagRunState, DagRunType, TaskState } from '../runtime/states.js';

export interface DagRunRecord {
  dag_id: string;
  run_id: string;
  /** The logical date (Airflow's execution_date): the start of the data interval for scheduled runs. */
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
  run_type: DagRunType;
  state: DagRunState;
  external_trigger: boolean;
  conf: Record<string, unknown>;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  /** Content hash of the DAG model this run executes (runs stay bound to the version they ran). */
  dag_version: string | null;
  /** Set for runs started by another DAG's task (DagOperator, TriggerDagRunOperator). */
  parent: { dag_id: string; run_id: string; task_id: string } | null;
  note: string | null;
}

export interface TaskInstanceRecord {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  /** null is Airflow's "none" (no state yet). */
  state: TaskState | null;
  /** Number of the current (or last) try; 0 before the first try. */
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
  queued_when: string | null;
  operator: string;
  pool: string;
  pool_slots: number;
  queue: string | null;
  priority_weight: number;
  hostname: string;
  /** The callback token a waiting prepare state left; the decision taken for it (each decided once). */
  token: string | null;
  decision: 'run' | 'skip' | null;
  /** Runs this task started (DagOperator, TriggerDagRunOperator, loopable batches), for failure checks and "zoom into DAG". */
  child_runs?: { dag_id: string; run_id: string }[];
  /** Rendered templated fields of the current try (secrets masked). */
  rendered_fields: Record<string, unknown> | null;
  note: string | null;
}

export interface XComRecord {
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  key: string;
  value: unknown;
  timestamp: string;
}

export const RETURN_VALUE_KEY = 'return_value';
