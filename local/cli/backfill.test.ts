/** `skydag dags backfill`: dry run (table and JSON), a real in-process run, failures and usage errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { dagsBackfill, parseBackfillDate, registerBackfillCommand, type BackfillCommandOptions } from './backfill.js';
import type { CliIO } from './io.js';

const DAG_FILE = `
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG(dag_id="bf_daily", start_date=datetime(2019, 1, 1), end_date=datetime(2019, 1, 5), schedule_interval="@daily", max_active_runs=1) as dag:
    extract = EmptyOperator(task_id="extract")
    load = EmptyOperator(task_id="load")
    extract >> load

with DAG(dag_id="bf_every_3_days", start_date=datetime(2019, 1, 1), end_date=datetime(2019, 1, 5), schedule_interval=timedelta(days=3)) as dag2:
    EmptyOperator(task_id="only")

with DAG(dag_id="bf_failing", start_date=datetime(2019, 1, 1), schedule_interval="@daily") as dag3:
    BashOperator(task_id="fail", bash_command="exit 3")
`;

const folder = mkdtempSync(join(tmpdir(), 'skydag-backfill-dags-'));
writeFileSync(join(folder, 'backfill_dags.py'), DAG_FILE);
const home = mkdtempSync(join(tmpdir(), 'skydag-backfill-home-'));

function capture(): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) }, out: () => out, err: () => err };
}

const options = (overrides: Partial<BackfillCommandOptions>): BackfillCommandOptions => ({
  dagsFolder: folder,
  home,
  output: 'table',
  start: '2019-01-01',
  end: '2019-01-05',
  dryRun: false,
  now: new Date('2024-01-01T00:00:00Z'),
  ...overrides,
});

describe('skydag dags backfill', () => {
  it('--dry-run prints the logical dates and runs nothing', async () => {
    const c = capture();
    expect(await dagsBackfill('bf_daily', options({ dryRun: true }), c.io)).toBe(0);
    expect(c.out().split('\n')).toEqual([
      'backfill of bf_daily from 2019-01-01T00:00:00.000Z to 2019-01-05T00:00:00.000Z: 5 run(s) (dry run)',
      'LOGICAL_DATE              DATA_INTERVAL_START       DATA_INTERVAL_END         RUN_ID',
      '2019-01-01T00:00:00.000Z  2019-01-01T00:00:00.000Z  2019-01-02T00:00:00.000Z  backfill__2019-01-01T00:00:00+00:00',
      '2019-01-02T00:00:00.000Z  2019-01-02T00:00:00.000Z  2019-01-03T00:00:00.000Z  backfill__2019-01-02T00:00:00+00:00',
      '2019-01-03T00:00:00.000Z  2019-01-03T00:00:00.000Z  2019-01-04T00:00:00.000Z  backfill__2019-01-03T00:00:00+00:00',
      '2019-01-04T00:00:00.000Z  2019-01-04T00:00:00.000Z  2019-01-05T00:00:00.000Z  backfill__2019-01-04T00:00:00+00:00',
      '2019-01-05T00:00:00.000Z  2019-01-05T00:00:00.000Z  2019-01-06T00:00:00.000Z  backfill__2019-01-05T00:00:00+00:00',
      '',
    ]);
  });

  it('--dry-run --output json: the timedelta DAG runs Jan 1 and Jan 4; dates past end_date are listed as not run', async () => {
    const c = capture();
    expect(await dagsBackfill('bf_every_3_days', options({ dryRun: true, output: 'json', end: '2019-01-08' }), c.io)).toBe(0);
    expect(JSON.parse(c.out())).toEqual({
      dag_id: 'bf_every_3_days',
      start: '2019-01-01T00:00:00.000Z',
      end: '2019-01-08T00:00:00.000Z',
      dry_run: true,
      runs: [
        { run_id: 'backfill__2019-01-01T00:00:00+00:00', logical_date: '2019-01-01T00:00:00.000Z', data_interval_start: '2019-01-01T00:00:00.000Z', data_interval_end: '2019-01-04T00:00:00.000Z' },
        { run_id: 'backfill__2019-01-04T00:00:00+00:00', logical_date: '2019-01-04T00:00:00.000Z', data_interval_start: '2019-01-04T00:00:00.000Z', data_interval_end: '2019-01-07T00:00:00.000Z' },
      ],
      excluded: [{ logical_date: '2019-01-07T00:00:00.000Z', reason: "after the DAG's end_date 2019-01-05T00:00:00+00:00" }],
      succeeded: true,
    });
  });

  it('runs every logical date in-process, oldest first, and exits 0 when all succeeded', async () => {
    const c = capture();
    expect(await dagsBackfill('bf_daily', options({ output: 'json' }), c.io)).toBe(0);
    const result = JSON.parse(c.out());
    expect(result.runs.map((r: { run_id: string; state: string; created: boolean }) => [r.run_id, r.state, r.created])).toEqual(
      ['01', '02', '03', '04', '05'].map((d) => [`backfill__2019-01-${d}T00:00:00+00:00`, 'success', true]),
    );
    expect(result.succeeded).toBe(true);
  });

  it('prints each run as it ends (table output)', async () => {
    const c = capture();
    expect(await dagsBackfill('bf_daily', options({ end: '2019-01-02' }), c.io)).toBe(0);
    expect(c.out()).toContain('backfill__2019-01-01T00:00:00+00:00: running\nbackfill__2019-01-01T00:00:00+00:00: success\nbackfill__2019-01-02T00:00:00+00:00: running\nbackfill__2019-01-02T00:00:00+00:00: success\n');
    expect(c.out()).toContain('backfill of bf_daily: 2 run(s): 2 success');
  });

  it('exits 1 when a run fails', async () => {
    const c = capture();
    expect(await dagsBackfill('bf_failing', options({ end: '2019-01-01' }), c.io)).toBe(1);
    expect(c.out()).toContain('backfill__2019-01-01T00:00:00+00:00: failed');
    expect(c.out()).toContain('1 run(s): 1 failed');
  });

  it('usage errors: unknown DAG, bad dates, start after end', async () => {
    let c = capture();
    expect(await dagsBackfill('nope', options({}), c.io)).toBe(1);
    expect(c.err()).toContain(`error: DAG 'nope' not found in ${folder}`);
    c = capture();
    expect(await dagsBackfill('bf_daily', options({ start: '01/01/2019' }), c.io)).toBe(1);
    expect(c.err()).toBe("error: invalid --start-date '01/01/2019': use YYYY-MM-DD or an ISO-8601 timestamp\n");
    c = capture();
    expect(await dagsBackfill('bf_daily', options({ start: '2019-01-05', end: '2019-01-01' }), c.io)).toBe(1);
    expect(c.err()).toBe('error: --start-date 2019-01-05 is after --end-date 2019-01-01\n');
  });

  it('parses dates as Airflow does: UTC unless an offset is given', () => {
    expect(parseBackfillDate('2019-01-01', '-s').toISOString()).toBe('2019-01-01T00:00:00.000Z');
    expect(parseBackfillDate('2019-01-01T06:30', '-s').toISOString()).toBe('2019-01-01T06:30:00.000Z');
    expect(parseBackfillDate('2019-01-01 06:30:00', '-s').toISOString()).toBe('2019-01-01T06:30:00.000Z');
    expect(parseBackfillDate('2019-01-01T06:30:00+02:00', '-s').toISOString()).toBe('2019-01-01T04:30:00.000Z');
    expect(() => parseBackfillDate('2019-13-01', '-s')).toThrow(/invalid -s/);
  });

  it('registers as `dags backfill` with -s/-e/--dry-run/--output', async () => {
    const c = capture();
    let exit = -1;
    const program = new Command('skydag').exitOverride();
    const dags = program.command('dags');
    registerBackfillCommand(dags, { io: c.io, setExit: (code) => (exit = code), defaultDagsFolder: () => './dags', home: () => home });
    await program.parseAsync(['dags', 'backfill', 'bf_every_3_days', '-s', '2019-01-01', '-e', '2019-01-05', '--dry-run', '--dags-folder', folder, '-o', 'json'], { from: 'user' });
    expect(exit).toBe(0);
    expect(JSON.parse(c.out()).runs.map((r: { logical_date: string }) => r.logical_date)).toEqual(['2019-01-01T00:00:00.000Z', '2019-01-04T00:00:00.000Z']);
  });
});
