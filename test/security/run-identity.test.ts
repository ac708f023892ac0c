/**
 * Run identity, replayed against the local platform (the real API over HTTP, the embedded DynamoDB
 * store, the engine): one run per DAG and logical date however many triggers race, the scheduler's
 * run ids reserved, unique default logical dates under bursts, and one log file per try whatever
 * characters the ids hold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskLogPath } from '../../local/engine/file-logs.js';
import { LivePlatform, bashDag, type Json } from './platform-client.js';

const DAG = 'identity_dag';
const RUNS = `/api/v1/dags/${DAG}/dagRuns`;

let live: LivePlatform;
beforeAll(async () => {
  live = await LivePlatform.start({
    'identity_dag.py': bashDag(DAG),
    'daily_dag.py': bashDag('daily_dag', 'echo daily', '"@daily"'),
    'logs_dag.py': bashDag('logs_dag', 'echo run {{ run_id }}'),
  });
}, 60_000);
afterAll(async () => {
  await live?.close();
});

const runsAt = async (logicalDate: string) =>
  ((await live.call('GET', `${RUNS}?limit=100&execution_date_gte=${encodeURIComponent(logicalDate)}&execution_date_lte=${encodeURIComponent(logicalDate)}`)).json.dag_runs as Json[]);

async function waitForRun(dagId: string, runId: string): Promise<Json> {
  for (let i = 0; i < 120; i++) {
    const run = (await live.call('GET', `/api/v1/dags/${dagId}/dagRuns/${encodeURIComponent(runId)}`)).json;
    if (run.state === 'success' || run.state === 'failed') return run;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`run ${runId} did not finish`);
}

describe('one run per logical date', () => {
  it('30 concurrent triggers with the same logical date (different run ids): exactly one run, 29 × 409', async () => {
    const date = '2024-01-01T00:00:00+00:00';
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => live.call('POST', RUNS, { dag_run_id: `race_${i}`, logical_date: date })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(29);
    const winner = replies.find((r) => r.status === 200)!.json.dag_run_id as string;
    for (const r of replies.filter((x) => x.status === 409)) {
      expect(r.json.detail).toBe(`DAGRun with DAG ID: '${DAG}' and DAGRun logical date: '${date}' already exists (run '${winner}')`);
    }
    expect((await runsAt(date)).map((r) => r.dag_run_id)).toEqual([winner]);
  });

  it('the same instant written with another offset is the same logical date', async () => {
    expect((await live.call('POST', RUNS, { dag_run_id: 'offset_a', logical_date: '2024-01-02T00:00:00Z' })).status).toBe(200);
    expect((await live.call('POST', RUNS, { dag_run_id: 'offset_b', logical_date: '2024-01-02T02:00:00+02:00' })).status).toBe(409);
  });

  it("the scheduler's run id prefixes are refused for manual runs", async () => {
    for (const runId of ['scheduled__2024-02-01T00:00:00+00:00', 'backfill__2024-02-01T00:00:00+00:00', 'dataset_triggered__2024-02-01T00:00:00+00:00']) {
      const res = await live.call('POST', RUNS, { dag_run_id: runId, logical_date: '2024-02-01T00:00:00Z' });
      expect(res.status).toBe(400);
      expect(res.json.detail).toMatch(/is reserved: run ids starting with scheduled__, backfill__, dataset_triggered__ are given by the scheduler/);
    }
    expect(await runsAt('2024-02-01T00:00:00+00:00')).toEqual([]);
  });

  it('a backfill over a date a manual run holds reports that run and creates no second one', async () => {
    const daily = '/api/v1/dags/daily_dag';
    expect((await live.call('POST', `${daily}/dagRuns`, { dag_run_id: 'by_hand', logical_date: '2024-01-02T00:00:00Z' })).status).toBe(200);
    const backfill = await live.call('POST', `${daily}/backfill`, { start_date: '2024-01-01', end_date: '2024-01-03' });
    expect(backfill.json.dag_runs.map((r: Json) => r.dag_run_id)).toEqual(['2024-01-01', '2024-01-02', '2024-01-03'].map((d) => `backfill__${d}T00:00:00+00:00`));
    let runs: Json[] = [];
    // The manual run waits queued (the DAG is paused); the backfill runs run regardless, as Airflow's do.
    for (let i = 0; i < 120 && runs.filter((r) => r.state === 'success').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      runs = (await live.call('GET', `${daily}/dagRuns?order_by=execution_date`)).json.dag_runs;
    }
    expect(runs.map((r) => `${r.logical_date} ${r.dag_run_id}`)).toEqual([
      '2024-01-01T00:00:00+00:00 backfill__2024-01-01T00:00:00+00:00',
      '2024-01-02T00:00:00+00:00 by_hand',
      '2024-01-03T00:00:00+00:00 backfill__2024-01-03T00:00:00+00:00',
    ]);
  }, 60_000);
});

describe('default logical dates under bursts', () => {
  it('50 concurrent triggers without a body all succeed, each with its own logical date and run id', async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => live.call('POST', RUNS)));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(200));
    const ids = replies.map((r) => r.json.dag_run_id as string);
    const dates = replies.map((r) => r.json.logical_date as string);
    expect(new Set(ids).size).toBe(50);
    expect(new Set(dates.map((d) => Date.parse(d))).size).toBe(50);
    for (const r of replies) expect(r.json.dag_run_id).toBe(`manual__${r.json.logical_date}`);
  });
});

describe('log locations', () => {
  it('runs `col_1` and `col~1` write separate logs, each readable through the API', async () => {
    const RUNS = '/api/v1/dags/logs_dag/dagRuns';
    expect((await live.call('PATCH', '/api/v1/dags/logs_dag?update_mask=is_paused', { is_paused: false })).json.is_paused).toBe(false);
    for (const [runId, date] of [
      ['col_1', '2024-03-01T00:00:00Z'],
      ['col~1', '2024-03-02T00:00:00Z'],
    ] as const) {
      expect((await live.call('POST', RUNS, { dag_run_id: runId, logical_date: date })).status).toBe(200);
    }
    for (const runId of ['col_1', 'col~1']) expect((await waitForRun('logs_dag', runId)).state).toBe('success');
    const logs = join(live.home, 'logs');
    const underscore = taskLogPath(logs, 'logs_dag', 'col_1', 'say', 1);
    const tilde = taskLogPath(logs, 'logs_dag', 'col~1', 'say', 1);
    expect(tilde).not.toBe(underscore);
    expect(tilde).toContain('run_id=col%7E1');
    expect(readFileSync(underscore, 'utf8')).toContain('run col_1');
    expect(readFileSync(tilde, 'utf8')).toContain('run col~1');
    expect(readFileSync(underscore, 'utf8')).not.toContain('run col~1');
    for (const runId of ['col_1', 'col~1']) {
      const log = await live.call('GET', `${RUNS}/${encodeURIComponent(runId)}/taskInstances/say/logs/1`);
      expect(log.json.content).toContain(`run ${runId}`);
      expect(log.json.content).not.toContain(`run ${runId === 'col_1' ? 'col~1' : 'col_1'}`);
    }
    expect(existsSync(join(logs, 'dag_id=logs_dag', 'run_id=col_1'))).toBe(true);
  }, 60_000);
});
