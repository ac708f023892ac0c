/**
 * What the API needs from the rest of the platform, as ports the composition root wires: starting and
 * controlling runs (engine), reading task logs, writing uploaded DAG files (DAGs folder or S3), and
 * the scheduler's heartbeat. The API itself never calls engine code.
 */
import type { DagRecord, DagRunRecord } from '../model/records.js';
import type { Dag } from '../model/schema.js';
import { newTaskInstances } from '../runtime/handlers/launch.js';
import { manualRunDataInterval } from '../runtime/intervals.js';
import type { CustomTimetables } from '../scheduling/custom-timetable.js';
import { DagRunState, DagRunType } from '../runtime/states.js';
import type { RunStore } from '../stores/metadata.js';
import { confSealContext, sealRunConf } from '../secrets/sealed.js';
import type { SecretCipher } from './secrets/cipher.js';

export interface TriggerRequest {
  runId: string;
  logicalDate: Date;
  conf: Record<string, unknown>;
  note: string | null;
}

export interface RunLauncher {
  /**
   * Creates a manual run of `dag` (its task instances with no state), `queued` as Airflow 2's POST
   * dagRuns does, and gets it started unless the DAG is paused: a paused DAG's run waits queued until
   * the DAG is unpaused (the scheduler only starts queued runs of unpaused DAGs, within
   * max_active_runs). Throws DagRunExistsError when the run id is taken.
   */
  trigger(dag: { record: DagRecord; model: Dag }, request: TriggerRequest): Promise<DagRunRecord>;
}

export interface RunController {
  /** The run was cleared (task instances reset to no state, run `queued`) or re-queued: execute it again from its current task states. */
  restart(run: DagRunRecord): Promise<void>;
  /** The run was marked success/failed or is about to be deleted: stop its execution if one is in flight (no-op otherwise). */
  stop(run: DagRunRecord): Promise<void>;
  /** Task states of an unfinished run were set by hand (updateTaskInstancesState): let the execution re-evaluate them. */
  tasksChanged(run: DagRunRecord, taskIds: readonly string[]): Promise<void>;
}

/** Task logs, one per try (FileTaskLogs in local mode implements it; S3 in the cloud). */
export interface TaskLogReader {
  read(dagId: string, runId: string, taskId: string, tryNumber: number, mapIndex?: number): Promise<string | undefined>;
}

/** Where validated DAG file uploads go: the DAGs folder locally, the DAGs bucket in the cloud. */
export interface DagFileSink {
  /**
   * `filename` is already sanitised: a bare name with an allowed extension (uploads), or a relative
   * path of such segments (an archive import: the folders are made as needed).
   */
  write(filename: string, content: string): Promise<void>;
  /** The file's text, undefined when there is none (an import's dry run and undo read it). */
  read?(filename: string): Promise<string | undefined>;
  /** Deletes the file (its DAGs are then deactivated; their history stays); false when there was no such file. */
  remove(filename: string): Promise<boolean>;
  /**
   * Has the file read again as it is (a Variable it reads while it is read changed): the folder's
   * sync locally, a re-put of the same text in the DAGs bucket (the deployer's S3 event) in the cloud.
   */
  reread?(filename: string): Promise<void>;
}

/** The connection under test, as POST /connections/test received it (never stored). */
export interface ConnectionUnderTest {
  conn_type: string;
  host: string | null;
  port: number | null;
  login: string | null;
  schema: string | null;
}

/**
 * POST /connections/test (Airflow's [core] test_connection = Enabled): whether the connection can be
 * reached. Absent = disabled, Airflow's default: testing makes the platform open connections to
 * addresses a user names, so an operator turns it on knowingly.
 */
export interface ConnectionTester {
  test(connection: ConnectionUnderTest): Promise<{ status: boolean; message: string }>;
}

/** Runs a backfill in the background: the planned runs execute oldest first within max_active_runs. */
export interface BackfillRunner {
  start(dag: { record: DagRecord; model: Dag }, start: Date, end: Date): Promise<void>;
}

/** The scheduler's liveness for /health (in-process ticker locally; EventBridge Scheduler in the cloud). */
export interface SchedulerHealth {
  latestHeartbeat(): Promise<Date | null>;
}

/**
 * A RunLauncher over the store: creates the manual run `queued` (Airflow 2's post_dag_run:
 * `create_dagrun(state=QUEUED)`), with the DAG's current version, the note and Airflow's manual data
 * interval, then — unless the DAG is paused — asks `startQueued` to start the DAG's queued runs. Wire
 * `startQueued` to the scheduler's startQueuedRuns (which honours max_active_runs, oldest first) so
 * the API and the scheduler start runs the same way; a paused DAG's run waits for the scheduler's
 * first pass after the DAG is unpaused.
 */
export function createStoreRunLauncher(
  store: RunStore,
  startQueued: (dag: { record: DagRecord; model: Dag }) => Promise<void>,
  clock: () => Date = () => new Date(),
  /** Seals a conf with sensitive keys (the record keeps it masked; see shared/secrets/sealed.ts). */
  cipher?: SecretCipher,
  /** Asks custom timetables for a manual run's data interval (absent: their DAGs cannot be triggered here). */
  timetables?: CustomTimetables,
): RunLauncher {
  return {
    async trigger({ record, model }, request) {
      const now = clock().toISOString();
      const interval = await manualRunDataInterval(model, request.logicalDate, { timetables, version: record.current_version });
      const run: DagRunRecord = {
        dag_id: model.dag_id,
        run_id: request.runId,
        logical_date: request.logicalDate.toISOString(),
        data_interval_start: interval.start,
        data_interval_end: interval.end,
        run_type: DagRunType.MANUAL,
        state: DagRunState.QUEUED,
        external_trigger: true,
        ...sealRunConf(cipher, request.conf, confSealContext({ dag_id: model.dag_id, run_id: request.runId })),
        queued_at: now,
        start_date: null,
        end_date: null,
        dag_version: record.current_version,
        parent: null,
        note: request.note,
      };
      await store.createDagRun(run, newTaskInstances(model, run.run_id));
      if (!record.is_paused) await startQueued({ record, model });
      return (await store.getDagRun(run.dag_id, run.run_id)) ?? run;
    },
  };
}
