/**
 * The book's example pipelines (test/fixtures/dags/book, digest: shared/reference/airflow-book-digest.md
 * §2) as `skydag dags test` cases: how each is run, and what the book says the run ends with.
 * Every DAG of the folder is either a case here, run together with other DAGs in book-ch06-13.test.ts,
 * or excluded with the external system it needs (book-ch01-05.test.ts checks that nothing is forgotten).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskLogPath } from '../../local/engine/file-logs.js';
import { BOOK_DAGS, cli, type DagsTestJson } from './support.js';

export interface BookRun {
  code: number;
  result: DagsTestJson;
  /** task_id → state, try number and XComs. */
  tasks: Record<string, { state: string; try: number; xcom: Record<string, unknown> }>;
  log(taskId: string, tryNumber?: number): string;
}

export interface BookCase {
  dag: string;
  /** What the case shows (test title). */
  why: string;
  /** Logical date argument (default: now, as `dags test` without a date). */
  date?: string;
  conf?: Record<string, unknown>;
  /** Expected exit code: 0 iff the run succeeded. */
  code: 0 | 1;
  /**
   * Expected state of every task (default: every task success). The try number is 1 for success
   * and failed, 0 for other states (tasks that never ran), unless given as [state, try].
   */
  states?: Record<string, string | [string, number]>;
  /** Extra checks (XComs, logs). */
  check?: (run: BookRun) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Runs `skydag dags test <dag> [date] [--conf] -o json` on the book folder ($SKYDAG_HOME must be set). */
export async function runBookDag(c: BookCase): Promise<BookRun> {
  const args = ['dags', 'test', c.dag, ...(c.date ? [c.date] : []), '--dags-folder', BOOK_DAGS, '--output', 'json', ...(c.conf ? ['--conf', JSON.stringify(c.conf)] : [])];
  const { code, out, err } = await cli(args);
  if (!out.trim().startsWith('{')) throw new Error(`dags test ${c.dag} printed no JSON (exit ${code}): ${out}${err}`);
  const result = JSON.parse(out) as DagsTestJson;
  const home = process.env.SKYDAG_HOME!;
  return {
    code,
    result,
    tasks: Object.fromEntries(result.task_instances.map((t) => [t.task_id, { state: t.state, try: t.try_number, xcom: t.xcom }])),
    log: (taskId, tryNumber = 1) => {
      try {
        return readFileSync(taskLogPath(join(home, 'logs'), c.dag, result.run_id, taskId, tryNumber), 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** The checks every case gets: exit code, run state, every task's state and try number. */
export function checkBookRun(c: BookCase, run: BookRun): void {
  expect({ dag: c.dag, code: run.code, state: run.result.state }).toEqual({ dag: c.dag, code: c.code, state: c.code === 0 ? 'success' : 'failed' });
  const actual = Object.fromEntries(Object.entries(run.tasks).map(([id, t]) => [id, [t.state, t.try]]));
  const expected = c.states
    ? Object.fromEntries(Object.entries(c.states).map(([id, s]) => [id, Array.isArray(s) ? s : [s, s === 'success' || s === 'failed' ? 1 : 0]]))
    : Object.fromEntries(Object.keys(run.tasks).map((id) => [id, ['success', 1]]));
  expect(actual).toEqual(expected);
  c.check?.(run);
}

/** Every task of an all-dummy DAG: success, no XCom. */
const noXComs = (run: BookRun) => {
  for (const [id, t] of Object.entries(run.tasks)) expect({ id, xcom: t.xcom }).toEqual({ id, xcom: {} });
};

const states = (entries: [string[], string][]): Record<string, string> => Object.fromEntries(entries.flatMap(([ids, s]) => ids.map((id) => [id, s])));

// The ERP branch of chapter 5 picks "old" for runs before ERP_CHANGE_DATE = days_ago(1) (at parse
// time): a 2024 date goes old, a run at "now" goes new.
const OLD_DATE = '2024-01-01';

function erpBranch(prefix: string, taken: 'old' | 'new'): Record<string, string> {
  const other = taken === 'old' ? 'new' : 'old';
  return states([
    [[`${prefix}fetch_sales_${taken}`, `${prefix}clean_sales_${taken}`], 'success'],
    [[`${prefix}fetch_sales_${other}`, `${prefix}clean_sales_${other}`], 'skipped'],
  ]);
}

const UMBRELLA_TAIL = ['start', 'fetch_weather', 'clean_weather', 'join_datasets', 'train_model', 'deploy_model'];

function branchDagCase(dag: '03_branch_dag' | '04_branch_dag_join', taken: 'old' | 'new'): BookCase {
  return {
    dag,
    why: `follows the ${taken} ERP branch, skips the other, and the none_failed join lets the rest run`,
    ...(taken === 'old' ? { date: OLD_DATE } : {}),
    code: 0,
    states: { ...states([[[...UMBRELLA_TAIL, 'pick_erp_system', ...(dag === '04_branch_dag_join' ? ['join_erp_branch'] : [])], 'success']]), ...erpBranch('', taken) },
    check: (run) => {
      expect(run.tasks.pick_erp_system!.xcom).toEqual({ return_value: `fetch_sales_${taken}` });
      expect(run.log(`fetch_sales_${taken}`)).toContain(`Fetching sales data (${taken.toUpperCase()})...`);
      expect(run.log(`clean_sales_${taken}`)).toContain(`Preprocessing sales data (${taken.toUpperCase()})...`);
    },
  };
}

const UMBRELLA_CONDITIONS = [...UMBRELLA_TAIL.filter((t) => t !== 'deploy_model'), 'pick_erp_system', 'join_erp_branch'];

function deployCheck(pushedBy: 'key' | 'return') {
  return (run: BookRun) => {
    const id = pushedBy === 'key' ? run.tasks.train_model!.xcom.model_id : run.tasks.train_model!.xcom.return_value;
    expect(run.tasks.train_model!.xcom).toEqual(pushedBy === 'key' ? { model_id: id } : { return_value: id });
    expect(id).toMatch(UUID);
    expect(run.log('deploy_model')).toContain(`Deploying model ${String(id)}`);
    expect(run.tasks.deploy_model!.xcom).toEqual({});
  };
}

/** Chapters 1–5. */
export const CASES_CH01_05: BookCase[] = [
  { dag: 'ch01_weather_dashboard', why: 'a linear chain of dummies', code: 0, check: noXComs },
  { dag: 'ch01_umbrella_demand', why: 'two parallel paths joined', code: 0, check: noXComs },
  {
    dag: 'listing_4_03',
    why: 'prints the context; on a manual run next_execution_date is the logical date',
    date: OLD_DATE,
    code: 0,
    check: (run) => {
      const log = run.log('print_context');
      expect(log).toContain('Start: 2024-01-01T00:00:00+00:00, end: 2024-01-01T00:00:00+00:00');
      expect(log).toContain("'ds': '2024-01-01'");
    },
  },
  { dag: '01_start', why: 'the umbrella fan-out/fan-in, all dummies', code: 0, check: noXComs },
  {
    dag: '02_branch_function',
    why: 'branches inside the task (old ERP before the change date)',
    date: OLD_DATE,
    code: 0,
    check: (run) => {
      expect(run.log('fetch_sales')).toContain('Fetching sales data (OLD)...');
      expect(run.log('clean_sales')).toContain('Preprocessing sales data (OLD)...');
    },
  },
  {
    dag: '02_branch_function',
    why: 'branches inside the task (new ERP now)',
    code: 0,
    check: (run) => expect(run.log('fetch_sales')).toContain('Fetching sales data (NEW)...'),
  },
  branchDagCase('03_branch_dag', 'old'),
  branchDagCase('03_branch_dag', 'new'),
  branchDagCase('04_branch_dag_join', 'old'),
  branchDagCase('04_branch_dag_join', 'new'),
  {
    dag: '05_condition_task',
    why: 'deploys only on the latest run: a manual run now is not, so deploy_model succeeds without deploying',
    code: 0,
    states: { ...states([[[...UMBRELLA_CONDITIONS, 'deploy_model'], 'success']]), ...erpBranch('', 'new') },
    check: (run) => expect(run.log('deploy_model')).not.toContain('Deploying model'),
  },
  {
    dag: '06_condition_dag',
    why: 'latest_only raises AirflowSkipException (a manual run now is not the latest interval): deploy_model is skipped',
    code: 0,
    // latest_only ran (try 1) and skipped itself; deploy_model never ran.
    states: { ...states([[UMBRELLA_CONDITIONS, 'success'], [['deploy_model'], 'skipped']]), ...erpBranch('', 'new'), latest_only: ['skipped', 1] },
  },
  {
    dag: '07_condition_dag_op',
    why: 'LatestOnlyOperator never skips a manually triggered run',
    code: 0,
    states: { ...states([[[...UMBRELLA_CONDITIONS, 'latest_only', 'deploy_model'], 'success']]), ...erpBranch('', 'new') },
    check: (run) => expect(run.tasks.latest_only!.xcom).toEqual({ return_value: ['deploy_model'] }),
  },
  {
    dag: '08_trigger_rules',
    why: 'fails by design for a recent run: fetch_sales fails, everything below it is upstream_failed, the weather path succeeds',
    code: 1,
    states: states([
      [['start', 'fetch_weather', 'clean_weather'], 'success'],
      [['fetch_sales'], 'failed'],
      [['clean_sales', 'join_datasets', 'train_model', 'deploy_model'], 'upstream_failed'],
    ]),
    check: (run) => expect(run.log('fetch_sales')).toContain('Exception: Could not fetch sales data: the ERP system is down.'),
  },
  { dag: '08_trigger_rules', why: 'succeeds for an old run (fetch_sales only fails for recent dates)', date: OLD_DATE, code: 0 },
  { dag: '10_xcoms', why: 'explicit xcom_push / xcom_pull of the model id', code: 0, check: deployCheck('key') },
  { dag: '10_xcoms_template', why: 'the model id pulled in templates_dict', code: 0, check: deployCheck('key') },
  { dag: '11_xcoms_return', why: 'the model id as the implicit return_value XCom', code: 0, check: deployCheck('return') },
  { dag: '12_taskflow', why: 'TaskFlow passes the model id', code: 0, check: deployCheck('return') },
  { dag: '13_taskflow_full', why: 'TaskFlow mixed with operators', code: 0, check: deployCheck('return') },
];

function triggerCheck(...taskIds: string[]) {
  return (run: BookRun) => {
    for (const id of taskIds) {
      expect(run.tasks[id]!.xcom).toEqual({ trigger_run_id: expect.stringMatching(/^manual__/), trigger_execution_date_iso: expect.any(String) });
    }
  };
}

/** Bash echo tasks of the chapter 11 factories: the f-string {{ds_nodash}} stays a literal "{ds_nodash}". */
function factoryXComs(prefix: (dataset: string) => string, datasets: string[], withExport: boolean) {
  return (run: BookRun) => {
    for (const ds of datasets) {
      const p = prefix(ds);
      expect(run.tasks[`${p}fetch_${ds}`]!.xcom).toEqual({ return_value: `curl http://example.com/${ds}.json > /data/raw/${ds}/{ds_nodash}.json` });
      expect(run.tasks[`${p}preprocess_${ds}`]!.xcom).toEqual({ return_value: `preprocess.py /data/raw/${ds}/{ds_nodash}.json /data/processed/${ds}/{ds_nodash}.json` });
      if (withExport) expect(run.tasks[`${p}export_${ds}`]!.xcom).toEqual({ return_value: `export.py /data/processed/${ds}/{ds_nodash}.json /data/output/${ds}/{ds_nodash}.json` });
    }
  };
}

function groupedUmbrella(taken: 'old' | 'new'): BookCase {
  return {
    dag: '05_task_groups_umbrella',
    why: `branches to the group-prefixed ${taken} ERP task inside the fetch_sales group`,
    ...(taken === 'old' ? { date: OLD_DATE } : {}),
    code: 0,
    states: {
      ...states([
        [['start', 'fetch_sales.pick_erp_system', 'fetch_sales.join_erp_branch', 'fetch_weather.fetch_weather', 'fetch_weather.clean_weather', 'join_datasets', 'train_model', 'deploy_model'], 'success'],
      ]),
      ...erpBranch('fetch_sales.', taken),
    },
    check: (run) => {
      expect(run.tasks['fetch_sales.pick_erp_system']!.xcom).toEqual({ return_value: `fetch_sales.fetch_sales_${taken}` });
      expect(run.log(`fetch_sales.fetch_sales_${taken}`)).toContain(`${taken} fetch`);
    },
  };
}

/** Chapters 6–13. */
export const CASES_CH06_13: BookCase[] = [
  { dag: 'figure_6_01', why: 'four supermarket chains into one fan-in (depends_on_past: the first run is never held)', code: 0, check: noXComs },
  { dag: 'figure_6_11', why: 'one metrics task per supermarket', code: 0 },
  { dag: 'figure_6_12', why: 'the metrics workflow per supermarket', code: 0 },
  {
    dag: 'listing_6_02',
    // Airflow passes a callable only the op_kwargs/context keys it names (determine_kwargs), so the
    // misspelt keyword is dropped and the first poke fails.
    why: 'fails by design: the PythonSensor passes supermarket_id to a callable expecting supermarket_id_ (TypeError, not a wait)',
    code: 1,
    states: { wait_for_supermarket_1: 'failed' },
    check: (run) => expect(run.log('wait_for_supermarket_1')).toContain("TypeError: _wait_for_supermarket() missing 1 required positional argument: 'supermarket_id_'"),
  },
  { dag: 'listing_6_03', why: 'concurrency=50 on a one-task DAG', code: 0 },
  { dag: 'listing_6_04_dag02', why: 'the metrics DAG triggered by dag01', code: 0 },
  {
    dag: 'listing_6_08',
    why: 'every task prints the dag_run.conf it was triggered with',
    conf: { supermarket: 1 },
    code: 0,
    check: (run) => {
      for (const id of ['copy_to_raw', 'process', 'create_metrics']) expect(run.log(id)).toContain("{'supermarket': 1}");
    },
  },
  { dag: 'figure_6_17_example_1_dag_1', why: 'etl, then trigger dag 2', code: 0, check: triggerCheck('trigger_dag2') },
  { dag: 'figure_6_17_example_1_dag_2', why: 'the triggered report', code: 0 },
  { dag: 'figure_6_17_example_2_dag_1', why: 'etl, then trigger dag 4', code: 0, check: triggerCheck('trigger_dag4') },
  { dag: 'figure_6_17_example_2_dag_2', why: 'etl, then trigger dag 4', code: 0, check: triggerCheck('trigger_dag4') },
  { dag: 'figure_6_17_example_2_dag_3', why: 'etl, then trigger dag 4', code: 0, check: triggerCheck('trigger_dag4') },
  { dag: 'figure_6_17_example_2_dag_4', why: 'the shared report', code: 0 },
  { dag: 'figure_6_17_example_3_dag_1', why: 'etl fans out to three triggers', code: 0, check: triggerCheck('trigger_dag2', 'trigger_dag3', 'trigger_dag4') },
  { dag: 'figure_6_17_example_3_dag_2', why: 'a triggered report', code: 0 },
  { dag: 'figure_6_17_example_3_dag_3', why: 'a triggered report', code: 0 },
  { dag: 'figure_6_17_example_3_dag_4', why: 'a triggered report', code: 0 },
  { dag: 'figure_6_19_dag_1', why: 'an etl DAG the report waits for', code: 0 },
  { dag: 'figure_6_19_dag_2', why: 'an etl DAG the report waits for', code: 0 },
  { dag: 'figure_6_19_dag_3', why: 'an etl DAG the report waits for', code: 0 },
  { dag: 'figure_6_20_dag_1', why: 'copy and process', code: 0 },
  { dag: '01_task_factory', why: 'two generated chains', code: 0, check: factoryXComs(() => '', ['sales', 'customers'], true) },
  { dag: '02_dag_factory_sales', why: 'a generated DAG', code: 0, check: factoryXComs(() => '', ['sales'], false) },
  { dag: '02_dag_factory_customers', why: 'a generated DAG', code: 0, check: factoryXComs(() => '', ['customers'], false) },
  { dag: '04_task_groups', why: 'the chains in task groups (prefixed ids)', code: 0, check: factoryXComs((ds) => `${ds}.`, ['sales', 'customers'], true) },
  groupedUmbrella('old'),
  groupedUmbrella('new'),
  {
    dag: 'chapter12_dag_failure_callback',
    why: 'fails by design (exit 1); the DAG on_failure_callback prints ERROR! once',
    code: 1,
    states: { failing_task: 'failed' },
    check: (run) => expect(run.log('failing_task').match(/^ERROR!$/gm)).toHaveLength(1),
  },
  {
    dag: 'chapter12_task_failure_callback',
    why: 'fails by design (exit 1); task and DAG callbacks print ERROR! twice',
    code: 1,
    states: { failing_task: 'failed' },
    check: (run) => {
      const log = run.log('failing_task');
      expect(log.match(/^ERROR!$/gm)).toHaveLength(2);
      expect(log).toMatch(/Running on_failure_callback send_error[\s\S]*Running DAG on_failure_callback send_error/);
    },
  },
  {
    dag: 'chapter12_task_failure_email',
    why: 'fails by design (exit 1) and sends the alert email (to the local outbox)',
    code: 1,
    states: { failing_task: 'failed' },
    check: (run) => {
      expect(run.log('failing_task')).toContain('Command exited with return code 1');
      expect(run.log('failing_task')).toContain("Sent an alert email to ['bob@work.com']");
    },
  },
  { dag: 'hello_world', why: 'hello >> world', code: 0, check: (run) => expect(run.tasks.hello!.xcom).toEqual({ return_value: 'hello' }) },
  { dag: 'second_dag', why: 'prints its context', date: OLD_DATE, code: 0, check: (run) => expect(run.log('print_context')).toContain("'run_id': 'manual__2024-01-01T00:00:00+00:00'") },
  {
    dag: 'hello_airflow',
    why: 'a bash task and a lambda python_callable',
    code: 0,
    check: (run) => {
      expect(run.tasks.hello!.xcom).toEqual({ return_value: 'hello' });
      expect(run.log('airflow')).toMatch(/^airflow$/m);
    },
  },
];

/** Slow but self-contained (book-slow.test.ts). */
export const CASES_SLOW: BookCase[] = [{ dag: '03_sla_misses', why: 'sleep 30 (the SLA miss itself is not part of dags test)', code: 0 }];

/** Run with the runtime API in book-ch06-13.test.ts: they wait for runs of other DAGs in the same store. */
export const RUN_TOGETHER = ['figure_6_19_dag_4', 'figure_6_20_dag_2'];

/** DAGs of the book that need an external system, and which one. */
export const EXCLUDED: Record<string, string> = {
  download_rocket_launches: 'network: the Launch Library API (ll.thespacedevs.com) and the rocket image hosts',
  ...Object.fromEntries(
    ['01_unscheduled', '02_daily_schedule', '03_with_end_date', '04_time_delta', '05_query_with_dates', '06_templated_query', '07_templated_query_ds', '08_templated_path', '09_no_catchup', '11_atomic_send'].map((id) => [
      id,
      "the chapter's events API (http://localhost:5000/events) and pandas",
    ]),
  ),
  '10_non_atomic_send': "the chapter's events API (http://localhost:5000/events), pandas and an SMTP server",
  chapter4_stocksense_bashoperator: 'network: dumps.wikimedia.org',
  stocksense: 'network: dumps.wikimedia.org',
  listing_4_20: 'network (dumps.wikimedia.org) and a Postgres database (my_postgres)',
  listing_6_01: 'a FileSensor waiting (7 days) for /data/supermarket1/data.csv, delivered by an external system',
  figure_6_05: 'FileSensors waiting (7 days) for /data/supermarket{1..4}/data.csv, delivered by an external system',
  figure_6_06: 'PythonSensors waiting (10 minutes) for /data/supermarket{1..4}/data-*.csv and _SUCCESS, delivered by an external system',
  figure_6_08: 'the sensor-deadlock demo: FileSensors waiting (7 days) for /data/supermarket{1..4}/data.csv',
  figure_6_09: 'reschedule-mode PythonSensors waiting (10 minutes) for /data/supermarket{1..4} files',
  listing_6_04_dag01: 'PythonSensors waiting (7 days) for /data/supermarket{1..4} files before triggering dag02',
  chapter7_aws_handwritten_digits_classifier: 'AWS: S3 and SageMaker',
  chapter7_insideairbnb: 'a Postgres database, S3 (MinIO) and Docker',
  '01_python': 'the MovieLens API (http://movielens:5000) and pandas',
  '02_hook': 'the MovieLens API through the movielens connection',
  '03_operator': 'the MovieLens API through the movielens connection',
  '04_sensor': 'the MovieLens API through the movielens connection',
  '01_docker': 'Docker (DockerOperator) and the MovieLens API',
  '02_kubernetes': 'a Kubernetes cluster (KubernetesPodOperator)',
  chapter12_task_sla: 'no external system, but `sleep 60` alone exceeds the per-file time budget (03_sla_misses runs the same kind of task)',
  dag_puller_dag: 'git: a checkout in /airflow/dags with a remote to pull from',
  secretsbackend_with_vault: 'an HTTP API (secure_api) and HashiCorp Vault',
  nyc_dag: 'the Citi Bike and taxi APIs, MinIO (S3) and Postgres',
  '01_aws_usecase': 'AWS: S3, Glue and Athena',
  '01_azure_usecase': 'Azure: Blob Storage and Synapse (ODBC)',
  gcp_movie_ranking: 'GCP: Cloud Storage and BigQuery',
};
