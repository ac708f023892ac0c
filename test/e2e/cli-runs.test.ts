/**
 * The CLI as a user runs it, on the e2e fixtures: `skydag dags test` on a dag-factory YAML DAG
 * (test/fixtures/e2e/e2e_yaml.yaml, callables in e2e_yaml_steps.py) with --conf and --output json,
 * its exit codes and table output; `bin/skydag.js` as a real process; and `skydag tasks test`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, E2E_DAGS, TempDirs, type DagsTestJson } from './support.js';

const temp = new TempDirs();
let home: string;
const previousHome = process.env.SKYDAG_HOME;

beforeAll(() => {
  home = temp.make('skydag-e2e-home-');
  process.env.SKYDAG_HOME = home;
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.SKYDAG_HOME;
  else process.env.SKYDAG_HOME = previousHome;
  temp.cleanup();
});

const byId = (r: DagsTestJson) => Object.fromEntries(r.task_instances.map((t) => [t.task_id, { state: t.state, try: t.try_number, xcom: t.xcom }]));

describe('skydag dags test on a YAML DAG (e2e_yaml)', () => {
  it.each([
    ['eu', 'us'],
    ['us', 'eu'],
  ])('follows the %s loader chosen through --conf (params overridden by conf), retrying its first failure', async (region, other) => {
    const tmp = temp.make();
    const { code, out, err } = await cli(['dags', 'test', 'e2e_yaml', '2024-03-05', '--dags-folder', E2E_DAGS, '--conf', JSON.stringify({ region, tmp }), '--output', 'json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as DagsTestJson;
    expect(result).toMatchObject({ dag_id: 'e2e_yaml', run_id: 'manual__2024-03-05T00:00:00+00:00', logical_date: '2024-03-05T00:00:00.000Z', state: 'success' });
    expect(byId(result)).toEqual({
      start: { state: 'success', try: 1, xcom: { return_value: `start 2024-03-05 ${region}` } },
      pick: { state: 'success', try: 1, xcom: { return_value: `load.${region}` } },
      [`load.${region}`]: { state: 'success', try: 2, xcom: { return_value: { region, rows: 42, try: 2 } } },
      [`load.${other}`]: { state: 'skipped', try: 0, xcom: {} },
      join: { state: 'success', try: 1, xcom: { return_value: 'loaded 42' } },
    });
    // One log file per try under $SKYDAG_HOME/logs, in Airflow's layout.
    const taskDir = join(home, 'logs', 'dag_id=e2e_yaml', 'run_id=manual__2024-03-05T00:00:00+00:00', `task_id=load.${region}`);
    expect(readdirSync(taskDir).sort()).toEqual(['attempt=1.log', 'attempt=2.log']);
  }, 30_000);

  it('exits 1 and prints the failed run as a table when a task fails for good', async () => {
    // No tmp in conf: params.tmp (/nonexistent) cannot hold the marker, so both tries fail.
    const { code, out } = await cli(['dags', 'test', 'e2e_yaml', '2024-03-06', '--dags-folder', E2E_DAGS]);
    expect(code).toBe(1);
    expect(out).toMatch(/^DAG e2e_yaml run manual__2024-03-06T00:00:00\+00:00: failed$/m);
    expect(out).toMatch(/^load\.eu\s+failed\s+2\s/m);
    expect(out).toMatch(/^load\.us\s+skipped\s+0\s/m);
    expect(out).toMatch(/^join\s+upstream_failed\s+0\s/m);
  }, 30_000);

  it('rejects a --conf that is not a JSON object, and an unknown DAG', async () => {
    expect(await cli(['dags', 'test', 'e2e_yaml', '--dags-folder', E2E_DAGS, '--conf', '[1]'])).toMatchObject({ code: 1, err: expect.stringContaining('--conf must be a JSON object') });
    expect(await cli(['dags', 'test', 'nope', '--dags-folder', E2E_DAGS])).toMatchObject({ code: 1, err: expect.stringContaining("DAG 'nope' not found") });
  });
});

describe("skydag dags test semantics (Airflow's dag.test())", () => {
  it('runs a manual run that is not externally triggered, marking --mark-success-pattern tasks successful unrun', async () => {
    const { code, out, err } = await cli(['dags', 'test', 'e2e_dags_test', '2024-03-05', '--dags-folder', E2E_DAGS, '--conf', '{"x": "1"}', '--mark-success-pattern', 'wait_.*', '--use-executor', '-o', 'json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out) as DagsTestJson;
    expect(result.run_id).toBe('manual__2024-03-05T00:00:00+00:00');
    expect(byId(result)).toEqual({
      latest_only: { state: 'success', try: 1, xcom: { return_value: [] } }, // the branches it follows: none
      after_latest: { state: 'skipped', try: 0, xcom: {} }, // a past interval: LatestOnlyOperator skips when not externally triggered
      wait_remote: { state: 'success', try: 1, xcom: {} }, // marked, not run (it would exit 1)
      work: { state: 'success', try: 1, xcom: { return_value: 'False manual 1' } },
    });
  }, 30_000);

  it('matches the whole task id, and rejects an invalid pattern', async () => {
    const partial = await cli(['dags', 'test', 'e2e_dags_test', '2024-03-05', '--dags-folder', E2E_DAGS, '--mark-success-pattern', 'wait', '-o', 'json']);
    expect(partial.code).toBe(1);
    expect(byId(JSON.parse(partial.out) as DagsTestJson).wait_remote).toMatchObject({ state: 'failed' });
    expect(await cli(['dags', 'test', 'e2e_dags_test', '--dags-folder', E2E_DAGS, '--mark-success-pattern', '(['])).toMatchObject({ code: 1, err: expect.stringContaining('--mark-success-pattern is not a valid regular expression') });
  }, 30_000);
});

describe("runs of skydag dags test are kept in $SKYDAG_HOME (Airflow's metadata database)", () => {
  it('lets an ExternalTaskSensor of a later dags test see the run an earlier one made, replacing the run at the same date', async () => {
    const own = temp.make('skydag-e2e-kept-');
    const shared = process.env.SKYDAG_HOME;
    process.env.SKYDAG_HOME = own;
    try {
      const test = async (dagId: string) => {
        const r = await cli(['dags', 'test', dagId, '2024-03-05', '--dags-folder', E2E_DAGS, '-o', 'json']);
        return { code: r.code, tasks: byId(JSON.parse(r.out) as DagsTestJson) };
      };
      // Nothing upstream yet: the sensor times out.
      expect(await test('e2e_dags_test_downstream')).toMatchObject({ code: 1, tasks: { wait_upstream: { state: 'failed' }, after: { state: 'upstream_failed' } } });
      expect(await test('e2e_dags_test_upstream')).toMatchObject({ code: 0, tasks: { produce: { state: 'success' } } });
      // The same logical date again: the failed run is replaced (as dag.test() deletes it), and the sensor sees produce.
      expect(await test('e2e_dags_test_downstream')).toMatchObject({ code: 0, tasks: { wait_upstream: { state: 'success', try: 1 }, after: { state: 'success' } } });
      const { openLocalStore } = await import('../../local/stores/embedded-dynamodb.js');
      const local = await openLocalStore(own);
      try {
        const runs = await local.store.listDagRuns('e2e_dags_test_downstream');
        expect(runs.map((r) => [r.run_id, r.state, r.run_type, r.external_trigger])).toEqual([['manual__2024-03-05T00:00:00+00:00', 'success', 'manual', false]]);
      } finally {
        await local.close();
      }
    } finally {
      process.env.SKYDAG_HOME = shared;
    }
  }, 60_000);
});

describe('dags test runs in memory and keeps the finished run (run-overlay.ts)', () => {
  it("reads the kept history (prev_*_success) while it runs, and keeps task instances, mapped ones and XComs", async () => {
    const own = temp.make('skydag-e2e-overlay-');
    const dags = temp.make('skydag-e2e-overlay-dags-');
    writeFileSync(
      join(dags, 'history.py'),
      [
        'from datetime import datetime',
        'from airflow import DAG',
        'from airflow.operators.bash import BashOperator',
        '',
        'with DAG("e2e_history", schedule="@daily", start_date=datetime(2024, 3, 1), catchup=False) as dag:',
        '    prev = BashOperator(task_id="prev", bash_command="echo \'{{ prev_execution_date_success }}|{{ prev_start_date_success }}\'")',
        '    squares = BashOperator.partial(task_id="squares").expand(bash_command=["echo 1", "echo 4", "echo 9"])',
        '    prev >> squares',
        '',
      ].join('\n'),
    );
    const shared = process.env.SKYDAG_HOME;
    process.env.SKYDAG_HOME = own;
    try {
      const test = async (date: string) => {
        const r = await cli(['dags', 'test', 'e2e_history', date, '--dags-folder', dags, '-o', 'json']);
        expect(r.err).toBe('');
        return { code: r.code, tasks: byId(JSON.parse(r.out) as DagsTestJson) };
      };
      expect(await test('2024-03-01')).toMatchObject({ code: 0, tasks: { prev: { state: 'success', xcom: { return_value: 'None|None' } }, squares: { state: 'success' } } });
      const second = await test('2024-03-02');
      expect(second.code).toBe(0);
      const { openLocalStore } = await import('../../local/stores/embedded-dynamodb.js');
      const local = await openLocalStore(own);
      try {
        const [run2, run1] = await local.store.listDagRuns('e2e_history');
        expect([run1?.state, run2?.state]).toEqual(['success', 'success']);
        const [prevDate, prevStart] = String(second.tasks.prev?.xcom.return_value).split('|');
        expect(prevDate).toBe('2024-03-01 00:00:00+00:00');
        expect(Date.parse(prevStart!)).toBe(Date.parse(run1!.start_date!));
        const tis = await local.store.listTaskInstances('e2e_history', run2!.run_id);
        expect(tis.map((ti) => [ti.task_id, ti.state, ti.try_number])).toEqual([
          ['prev', 'success', 1],
          ['squares', 'success', 1],
        ]);
        const mapped = await local.store.listMappedTaskInstances('e2e_history', run2!.run_id, 'squares');
        expect(mapped.map((ti) => [ti.map_index, ti.state])).toEqual([
          [0, 'success'],
          [1, 'success'],
          [2, 'success'],
        ]);
        const xcoms = await local.store.listXComs('e2e_history', run2!.run_id, 'squares');
        expect(xcoms.map((x) => [x.map_index, x.value]).sort()).toEqual([
          [0, '1'],
          [1, '4'],
          [2, '9'],
        ]);
      } finally {
        await local.close();
      }
    } finally {
      process.env.SKYDAG_HOME = shared;
    }
  }, 60_000);
});

describe('bin/skydag.js dags test (a real process)', () => {
  it('runs a DAG with a dozen parallel tasks without printing a MaxListenersExceededWarning', () => {
    const folder = temp.make();
    const tasks = Array.from({ length: 12 }, (_, i) => `    BashOperator(task_id="t${i}", bash_command="sleep 0.2; echo t${i}")`).join('\n');
    writeFileSync(
      join(folder, 'wide.py'),
      `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG(dag_id="wide", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n${tasks}\n`,
    );
    const bin = join(__dirname, '../../bin/skydag.js');
    const run = spawnSync(process.execPath, [bin, 'dags', 'test', 'wide', '2024-01-01', '--dags-folder', folder, '-o', 'json'], {
      env: { ...process.env, SKYDAG_HOME: temp.make() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dag_id: 'wide', state: 'success' });
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
  }, 40_000);

  // bin/skydag.js calls process.exit() as soon as main() returns; writes to a pipe are asynchronous,
  // so large outputs (`skydag dags compile big.py -o json | jq`) are cut (at 128 KiB or wherever the
  // reader had got to). Not in the runtime: bin/ is outside this suite's fix scope.
  it('prints a large --output json document whole through a pipe', () => {
    const bin = join(__dirname, '../../bin/skydag.js');
    const run = spawnSync(process.execPath, [bin, 'dags', 'compile', 'trigger_rules.py', '--dags-folder', E2E_DAGS, '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(128 * 1024);
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
  }, 40_000);
});

describe('the compiled CLI (dist/cli)', () => {
  // bin/skydag.js rebuilds the CLI when a source is newer than the build: a build that records an
  // input that is not a file (or a stale one) would make every start pay for an esbuild run (~0.6 s).
  it('is fresh after the command that built it, so the next start runs it as is', () => {
    const bin = join(__dirname, '../../bin/skydag.js');
    expect(spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', timeout: 60_000 }).status).toBe(0);
    const fresh = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/build-cli.mjs'); console.log(m.cliBuildFresh())"], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(fresh.stdout.trim()).toBe('true');
  }, 90_000);
});

describe('skydag tasks test', () => {
  const tasksTest = async (...args: string[]) => {
    const { code, out, err } = await cli(['tasks', 'test', ...args, '--dags-folder', E2E_DAGS, '--output', 'json']);
    return { code, err, result: JSON.parse(out) as { state: string; xcom: Record<string, unknown>; error?: string; child_runs?: { dag_id: string; run_id: string; state: string }[] } };
  };

  it('runs one bash task with templates rendered from the date and --conf (params overridden)', async () => {
    const { code, result } = await tasksTest('e2e_templates', 'b_params', '2024-03-05', '--conf', '{"y": "cli"}');
    expect(code).toBe(0);
    expect(result).toMatchObject({ state: 'success', xcom: { return_value: 'cli-param-z' } });
  });

  it('runs one python task', async () => {
    const { code, result } = await tasksTest('e2e_templates', 'p_op_args', '2024-03-05');
    expect(code).toBe(0);
    expect(result).toMatchObject({ state: 'success', xcom: { return_value: { args: ['2024-03-05', 5, '2024-03-04'], kwargs: {} } } });
  });

  it('exits 1 for a failing task, with the error', async () => {
    const { code, result } = await tasksTest('e2e_failure_handled', 'bad', '2024-03-05');
    expect(code).toBe(1);
    expect(result).toMatchObject({ state: 'failed', xcom: {}, error: expect.stringContaining('non-zero exit code 1') });
  });

  it('fails a branch task that names a task it cannot follow', async () => {
    const { code, result } = await tasksTest('e2e_branch_invalid', 'bad_pick', '2024-03-05', '--conf', '{"path": "nowhere"}');
    expect(code).toBe(1);
    expect(result).toMatchObject({ state: 'failed', xcom: {}, error: expect.stringContaining("returned 'nowhere'") });
  });

  it('runs a waiting TriggerDagRunOperator’s child run, and keeps --output json a single JSON document', async () => {
    const { code, result } = await tasksTest('e2e_master', 'trig_wait', '2024-03-05');
    expect(code).toBe(0);
    expect(result).toMatchObject({
      state: 'success',
      xcom: { trigger_run_id: 'trig_wait_20240305' },
      child_runs: [{ dag_id: 'e2e_child', run_id: 'trig_wait_20240305', state: 'success' }],
    });
  }, 20_000);
});
