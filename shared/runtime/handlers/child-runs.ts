/**
 * start_child: the runs a DagOperator, SkippableDagOperator, TriggerDagRunOperator or
 * CoutureLoopableBatchOperator starts. Renders the task's arguments, decides whether to trigger at
 * all, creates the child run(s) in the store (linked to this task) and tells the state machine which
 * state machine to start with which input, and whether to wait.
 *
 * Fixes over Couture's DagOperator: a callable returning None skips the trigger (documented, but it
 * crashed), a templated skip_dag of "False" means false, retries are honoured, and each parent try gets
 * its own child run (no DagRunAlreadyExists on re-runs).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { PyValue, Task } from '../../model/schema.js';
import { ConditionFailedError, DagRunExistsError, LogicalDateTakenError, RUNDAG_CHILD_RUN_PREFIX } from '../../stores/metadata.js';
import { TaskFailedError, TaskNotRunnableError } from '../executors/types.js';
import { pythonIsoFormat } from '../intervals.js';
import type { StartChildRequest, StartChildResult } from '../protocol.js';
import { executionName } from '../execution-names.js';
import { DagRunState, TaskState } from '../states.js';
import type { RuntimeDeps } from './deps.js';
import { executionBase } from './execution-request.js';
import { launchDagRun } from './launch.js';
import { loadRunContext, loadTaskInstance, type RunContext } from './run-context.js';
import { createTryMasker, maskedTaskLog, redactError } from './try-secrets.js';
import { realSleep } from './token-answers.js';

interface ChildPlan {
  dagId: string;
  runId: string;
  logicalDate: Date;
  conf: Record<string, unknown>;
  reset: boolean;
  /** The child run's type: `manual` unless said otherwise (a sub-DAG's run is `scheduled`, as Airflow makes it). */
  runType?: 'manual' | 'scheduled';
  /**
   * The run id and logical date were made from "now" (TriggerDagRunOperator without trigger_run_id
   * or logical_date). Airflow's `utcnow()` has microseconds, so two such triggers never clash; skydag's
   * clock has milliseconds, so parallel triggers of one DAG in the same millisecond would fail with
   * DagRunAlreadyExists. Such a plan moves on to the next free millisecond instead.
   */
  fromNow?: boolean;
}

/** Attempts at the next millisecond for a run id made from "now" (see ChildPlan.fromNow). */
const FROM_NOW_ATTEMPTS = 1000;

/** How long a delivery waits for a twin's run record to appear after finding the run id taken (2 s). */
const TWIN_CREATION_POLLS = 40;
const TWIN_CREATION_POLL_MS = 50;

/** Airflow 2's TriggerDagRunOperator XComs (`XCOM_RUN_ID`, `XCOM_EXECUTION_DATE_ISO`), read by its "Triggered DAG" link. */
export const TRIGGER_XCOM_RUN_ID = 'trigger_run_id';
export const TRIGGER_XCOM_EXECUTION_DATE_ISO = 'trigger_execution_date_iso';

/** Python truthiness of a (possibly templated) flag: "False", "false", "0", "" and "None" are false. */
export function truthyFlag(value: PyValue | undefined): boolean {
  if (typeof value === 'string') return !['', 'false', '0', 'none', 'no', 'off'].includes(value.trim().toLowerCase());
  if (typeof value === 'number') return value !== 0;
  return value === true;
}

const asConf = (v: PyValue | undefined): Record<string, unknown> => {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      throw new TaskFailedError(`conf must be a dict or a JSON object (got ${JSON.stringify(v).slice(0, 80)})`);
    }
  }
  return {};
};

/**
 * Claims the try (queued → running, with its start time) or, when a twin delivery of the same
 * start_child claimed it first (Lambda retried after a lost response, or two deliveries at once),
 * returns the try as the twin left it: both then plan from the same start time, so they name the
 * same child runs and the second adopts what the first created instead of starting more.
 */
async function claimTry(deps: RuntimeDeps, request: StartChildRequest): Promise<TaskInstanceRecord> {
  const queued = await loadTaskInstance(deps, request.run, request.task_id);
  try {
    return await deps.store.updateTaskInstance(
      queued.dag_id,
      queued.run_id,
      queued.task_id,
      { state: TaskState.RUNNING, start_date: deps.clock().toISOString(), hostname: deps.hostname },
      { tryNumber: request.try_number, stateIn: [TaskState.QUEUED] },
    );
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err;
    const claimed = await loadTaskInstance(deps, request.run, request.task_id);
    if (claimed.try_number !== request.try_number || claimed.state !== TaskState.RUNNING || !claimed.start_date) {
      throw new TaskNotRunnableError(`start_child for try ${request.try_number} of ${request.task_id} arrived after that try (now try ${claimed.try_number}, ${claimed.state ?? 'no state'})`);
    }
    return claimed;
  }
}

export async function startChild(deps: RuntimeDeps, request: StartChildRequest): Promise<StartChildResult> {
  const ctx = await loadRunContext(deps, request.run);
  const ti = await claimTry(deps, request);
  const task = ctx.task(request.task_id);
  const masker = createTryMasker(ctx.run);
  const log = maskedTaskLog(deps.logs.open(ti.dag_id, ti.run_id, ti.task_id, ti.try_number), masker);
  try {
    log.info(`Executing <Task(${task.operator}): ${task.task_id}> on ${ctx.run.logical_date}`);
    const base = await executionBase(deps, ctx, ti, false, masker);
    // A new try starts without the XComs of the previous one (as the execute handler does).
    await deps.store.deleteXComs(ti.dag_id, ti.run_id, ti.task_id);
    const args = await deps.render({ ...base, log });
    const plans = await planChildRuns(deps, ctx, ti, task, args, log.info.bind(log), new Date(ti.start_date!));
    if (plans === 'skip') return { skip: true, wait: false, runs: [] };
    const runs: StartChildResult['runs'] = [];
    for (const plan of plans) {
      const child = await deps.dags.getDag(plan.dagId);
      if (!child) throw new TaskFailedError(`DAG '${plan.dagId}' not found (is its file in the DAGs folder, without import errors?)`);
      const created = await createChildRun(deps, ctx, ti, task, plan, child);
      log.info(`Started run ${created.run_id} of DAG ${plan.dagId} with conf ${JSON.stringify(masker.redact(plan.conf))}`);
      if (task.operator_kind === 'trigger_dagrun') {
        await base.services.xcomPush(TRIGGER_XCOM_EXECUTION_DATE_ISO, pythonIsoFormat(created.logical_date));
        await base.services.xcomPush(TRIGGER_XCOM_RUN_ID, created.run_id);
      }
      runs.push({ state_machine: await deps.dags.stateMachineFor(plan.dagId, created.dag_version), input: { run: { dag_id: plan.dagId, run_id: created.run_id } }, name: executionName(created, created.generation ?? 0) });
    }
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { child_runs: runs.map((r) => r.input.run) });
    const wait = task.operator_kind === 'trigger_dagrun' ? truthyFlag(args.wait_for_completion) : true;
    return { skip: false, wait, runs };
  } catch (err) {
    const error = err instanceof Error ? redactError(err, masker) : err;
    log.info(`Task failed: ${(error as Error).message}`);
    throw error;
  } finally {
    await log.close();
  }
}

async function createChildRun(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, task: Task, original: ChildPlan, child: NonNullable<Awaited<ReturnType<RuntimeDeps['dags']['getDag']>>>): Promise<DagRunRecord> {
  let plan = original;
  const parent = { dag_id: ctx.run.dag_id, run_id: ctx.run.run_id, task_id: task.task_id, try_number: ti.try_number };
  /**
   * The run this try already created (an earlier or concurrent delivery of the same start_child), if
   * that is what holds the id. A creation holds the run id (its logical-date claim) a moment before its
   * run record is written: a twin that finds the id taken but no record yet waits for it, instead of
   * taking the id for someone else's (a TriggerDagRunOperator's "now" plan would then move to the
   * next millisecond and start a second child run that nothing ever runs).
   */
  const ours = async (refusal: DagRunExistsError): Promise<DagRunRecord | null> => {
    if (refusal instanceof LogicalDateTakenError) return null; // another run id holds the date: not a twin's creation
    const sleep = deps.sleep ?? realSleep;
    let existing = await deps.store.getDagRun(plan.dagId, plan.runId);
    for (let attempt = 1; !existing && attempt <= TWIN_CREATION_POLLS; attempt++) {
      await sleep(TWIN_CREATION_POLL_MS);
      existing = await deps.store.getDagRun(plan.dagId, plan.runId);
    }
    const p = existing?.parent;
    return existing && p && p.dag_id === parent.dag_id && p.run_id === parent.run_id && p.task_id === parent.task_id && p.try_number === parent.try_number ? existing : null;
  };
  const launch = async () => {
    try {
      return await launchOnce();
    } catch (err) {
      if (!(err instanceof DagRunExistsError)) throw err;
      const adopted = await ours(err);
      if (adopted) return adopted;
      throw err;
    }
  };
  const launchOnce = () =>
    launchDagRun(deps.store, child, {
      cipher: deps.cipher,
      runType: plan.runType ?? 'manual',
      externalTrigger: true,
      runId: plan.runId,
      logicalDate: plan.logicalDate,
      conf: plan.conf,
      dagVersion: null,
      parent,
      timetables: deps.timetables,
      now: deps.clock(),
      ...(plan.logicalDate.toISOString() === ctx.run.logical_date ? { dataInterval: { start: ctx.run.data_interval_start, end: ctx.run.data_interval_end } } : {}),
    });
  for (let attempt = 1; plan.fromNow && attempt < FROM_NOW_ATTEMPTS; attempt++) {
    try {
      return await launch();
    } catch (err) {
      if (!(err instanceof DagRunExistsError)) throw err;
      const next = new Date(plan.logicalDate.getTime() + 1);
      plan = { ...plan, logicalDate: next, runId: `manual__${pythonIsoFormat(next.toISOString())}` };
    }
  }
  try {
    return await launch();
  } catch (err) {
    if (!(err instanceof DagRunExistsError)) throw err;
    // reset_dag_run clears the run with this run id; another run holding the logical date is not ours to delete.
    if (err instanceof LogicalDateTakenError) throw new TaskFailedError(`DagRunAlreadyExists: ${err.message}`);
    if (!plan.reset) throw new TaskFailedError(`DagRunAlreadyExists: run ${plan.runId} of DAG ${plan.dagId} already exists (set reset_dag_run=True to clear and re-run it)`);
    await deps.store.deleteDagRun(plan.dagId, plan.runId);
    return launch();
  }
}

async function planChildRuns(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, task: Task, args: Record<string, PyValue>, info: (m: string) => void, now: Date): Promise<ChildPlan[] | 'skip'> {
  const parentDate = new Date(ctx.run.logical_date);
  const callablePayload = async (): Promise<Record<string, unknown> | 'skip'> => {
    if (!args.python_callable) return {};
    if (!deps.python) throw new TaskNotRunnableError('python_callable needs the Python runner (python3)');
    const base = await executionBase(deps, ctx, ti);
    const decided = await deps.python.dagRunCallable({ ...base, args, log: { write: () => undefined, info } });
    if (!decided.trigger) {
      info('python_callable returned None: not triggering the DAG');
      return 'skip';
    }
    return decided.payload ?? {};
  };

  switch (task.operator_kind) {
    case 'dag_operator':
    case 'skippable_dag_operator': {
      if (truthyFlag(args.skip_dag)) {
        info('skip_dag is set: skipped this, moving on (the child DAG does not run)');
        return 'skip';
      }
      const payload = await callablePayload();
      if (payload === 'skip') return 'skip';
      const runDagId = String(args.run_dag_id);
      const suffix = ti.try_number > 1 ? `__try${ti.try_number}` : '';
      return [
        {
          dagId: runDagId,
          runId: `${RUNDAG_CHILD_RUN_PREFIX}${pythonIsoFormat(ctx.run.logical_date)}__${ctx.run.dag_id}.${task.task_id}${suffix}`,
          logicalDate: parentDate,
          conf: { ...payload, ...ctx.run.conf, ...asConf(args.dag_run_conf) },
          reset: true,
        },
      ];
    }
    case 'trigger_dagrun': {
      const payload = await callablePayload();
      if (payload === 'skip') return 'skip';
      const dateArg = args.logical_date ?? args.execution_date;
      const explicitDate = typeof dateArg === 'string' && dateArg !== '';
      // "Now" is when this try started, so every delivery of it names the same run.
      const logicalDate = explicitDate ? new Date(dateArg) : now;
      if (Number.isNaN(logicalDate.getTime())) throw new TaskFailedError(`invalid logical date '${String(dateArg)}'`);
      const explicitRunId = typeof args.trigger_run_id === 'string' && args.trigger_run_id !== '';
      const runId = explicitRunId ? String(args.trigger_run_id) : `manual__${pythonIsoFormat(logicalDate.toISOString())}`;
      return [{ dagId: String(args.trigger_dag_id), runId, logicalDate, conf: { ...payload, ...asConf(args.conf) }, reset: truthyFlag(args.reset_dag_run), fromNow: !explicitDate && !explicitRunId }];
    }
    case 'subdag':
      // Airflow 2.10's SubDagOperator.pre_execute: a scheduled run of the sub-DAG at the parent's
      // logical date (its data interval too), with `conf`; a failed earlier run is re-run.
      return [{ dagId: String(args.subdag), runId: `scheduled__${pythonIsoFormat(ctx.run.logical_date)}`, logicalDate: parentDate, conf: asConf(args.conf), reset: true, runType: 'scheduled' }];
    case 'couture_loopable_batch':
      return loopableBatches(deps, ctx, ti, task, args, info);
    default:
      throw new TaskNotRunnableError(`${task.operator} does not start child runs`);
  }
}

/**
 * The child runs a try made but never started end failed, their tasks skipped, with a note saying
 * why, instead of staying "running" with no execution: a try's runs are all made when it starts, and
 * when one fails the Map over them stops there (Step Functions starts no iteration after a failed
 * one), so a CoutureLoopableBatchOperator's batches after the failed one never run, as in Couture's
 * loop. A run counts as started once any of its tasks has a state. Idempotent (fail may be redelivered).
 */
export async function closeUnstartedChildRuns(deps: Pick<RuntimeDeps, 'store' | 'clock'>, ti: TaskInstanceRecord): Promise<void> {
  for (const ref of ti.child_runs ?? []) {
    const run = await deps.store.getDagRun(ref.dag_id, ref.run_id);
    if (!run || run.state !== DagRunState.RUNNING) continue;
    const tis = await deps.store.listTaskInstances(run.dag_id, run.run_id);
    if (tis.some((t) => t.state !== null)) continue;
    const now = deps.clock().toISOString();
    try {
      // Each write requires the task to have no state yet: a run that starts meanwhile is left alone.
      for (const t of tis) await deps.store.updateTaskInstance(run.dag_id, run.run_id, t.task_id, { state: TaskState.SKIPPED, end_date: now }, { stateIn: [null] });
      const note = `Not run: task ${ti.task_id} (try ${ti.try_number}) of ${ti.dag_id} / ${ti.run_id} failed before this run started`;
      await deps.store.updateDagRun(run.dag_id, run.run_id, { state: DagRunState.FAILED, end_date: now, note }, { stateIn: [DagRunState.RUNNING] });
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
    }
  }
}

/** CoutureLoopableBatchOperator: one child run per batch of CSV rows, passed as conf["metadata_df"]. */
async function loopableBatches(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, task: Task, args: Record<string, PyValue>, info: (m: string) => void): Promise<ChildPlan[]> {
  const text = await readMetadataFile(String(args.metadata_file), (await deps.dags.sourceLocation(ctx.dag, ctx.run.dag_version)).dagsFolder);
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const filterBy = typeof args.filter_by === 'string' ? args.filter_by : null;
  const filterValues = Array.isArray(args.filter_values) ? args.filter_values.map(String) : [];
  const selected = filterBy ? rows.filter((r) => filterValues.includes(String(r[filterBy]))) : rows;
  const offset = typeof args.batch_offset === 'number' ? args.batch_offset : 0;
  const size = typeof args.batch_size === 'number' && args.batch_size > 0 ? args.batch_size : 10;
  const plans: ChildPlan[] = [];
  for (let start = offset, batch = 0; start < selected.length; start += size, batch++) {
    plans.push({
      dagId: String(args.run_dag_id),
      runId: `${RUNDAG_CHILD_RUN_PREFIX}${pythonIsoFormat(ctx.run.logical_date)}__${ctx.run.dag_id}.${task.task_id}__batch${batch}${ti.try_number > 1 ? `__try${ti.try_number}` : ''}`,
      logicalDate: new Date(ctx.run.logical_date),
      conf: { ...ctx.run.conf, metadata_df: selected.slice(start, start + size), batch_index: batch, batch_offset: start, batch_size: size },
      reset: true,
    });
  }
  info(`${selected.length} row(s) after filtering; ${plans.length} batch(es) of up to ${size} from offset ${offset}`);
  return plans;
}

/**
 * An s3:// object, read with the runtime's AWS credentials (in AWS the control function's role, which
 * reads the platform bucket; locally the usual AWS environment, `AWS_ENDPOINT_URL_S3` for an
 * S3-compatible store). The SDK is loaded only here.
 */
async function readS3Object(location: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new TaskFailedError(`metadata_file ${location}: an S3 URL is s3://<bucket>/<key>`);
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  // An endpoint override (S3-compatible stores, tests) is addressed by path, not by bucket host name.
  const client = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL) });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    return await object.Body!.transformToString('utf8');
  } catch (err) {
    throw new TaskFailedError(`metadata_file ${location}: ${(err as Error).name}: ${(err as Error).message}`);
  } finally {
    client.destroy();
  }
}

async function readMetadataFile(location: string, dagsFolder: string): Promise<string> {
  if (/^https?:\/\//.test(location)) {
    const response = await fetch(location);
    if (!response.ok) throw new TaskFailedError(`metadata_file ${location}: HTTP ${response.status}`);
    return response.text();
  }
  if (location.startsWith('s3://')) return readS3Object(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('file://')) {
    throw new TaskNotRunnableError(`metadata_file ${location}: read from s3://, http(s)://, file:// or a path in the DAGs folder`);
  }
  const path = location.startsWith('file://') ? fileURLToPath(location.replace(/^file:\/\/localhost\//, 'file:///')) : isAbsolute(location) ? location : join(dagsFolder, location);
  const resolved = resolve(path);
  if (!location.startsWith('file://') && !isAbsolute(location) && relative(dagsFolder, resolved).startsWith('..')) {
    throw new TaskFailedError(`metadata_file '${location}' points outside the DAGs folder`);
  }
  try {
    return await readFile(resolved, 'utf8');
  } catch (err) {
    throw new TaskFailedError(`metadata_file ${location}: ${(err as Error).message}`);
  }
}
