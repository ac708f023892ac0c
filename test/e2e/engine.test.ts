/**
 * The compiled state machine run by the local engine with the real runtime handlers and an
 * in-memory store; task code is scripted per task, so these tests pin the orchestration itself:
 * trigger rules, skips, retries with try numbers, branching and full parallelism.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../local/engine/local-runtime.js';
import type { Task } from '../../shared/model/schema.js';
import { TaskFailedError, type ExecutionOutcome, type ExecutionRequest } from '../../shared/runtime/executors/types.js';
import { executionName } from '../../shared/runtime/execution-names.js';
import { makeDag, makeTask } from '../helpers/model.js';

type Script = (request: ExecutionRequest) => Promise<ExecutionOutcome> | ExecutionOutcome;

function runtimeWith(scripts: Record<string, Script>, pools?: Record<string, number>) {
  const starts: string[] = [];
  const runtime = new LocalRuntime({
    ...(pools ? { pools: { slots: async (name: string) => pools[name] } } : {}),
    dagsFolder: tmpdir(),
    logsDir: mkdtempSync(join(tmpdir(), 'skydag-logs-')),
    render: async (request) => request.task.args,
    executorFor: ({ task }) => async (request) => {
      starts.push(task.task_id);
      const script = scripts[task.task_id];
      return script ? script(request) : { outcome: 'success', returnValue: `${task.task_id} done` };
    },
  });
  return { runtime, starts };
}

const py = (id: string, extra: Partial<Task> = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', ...extra });
const states = (tis: { task_id: string; state: string | null }[]) => Object.fromEntries(tis.map((t) => [t.task_id, t.state]));
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local engine running compiled DAGs', () => {
  it('runs a diamond to success and stores XComs', async () => {
    const { runtime } = runtimeWith({});
    runtime.register(makeDag('diamond', ['a', 'b', 'c', 'd'].map((id) => py(id)), [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]));
    const { run, taskInstances, execution } = await runtime.runDag('diamond', { logicalDate: new Date('2024-01-02T00:00:00Z') });
    expect(execution.status).toBe('SUCCEEDED');
    expect(run.state).toBe('success');
    expect(states(taskInstances)).toEqual({ a: 'success', b: 'success', c: 'success', d: 'success' });
    expect(taskInstances.every((t) => t.try_number === 1)).toBe(true);
    expect((await runtime.store.getXCom('diamond', run.run_id, 'd', 'return_value'))?.value).toBe('d done');
    expect(runtime.tokens.waiting).toBe(0);
  });

  it('names executions as Step Functions allows, and a run executed again gets the next generation', async () => {
    const { runtime } = runtimeWith({});
    runtime.register(makeDag('named', [py('a')]));
    const first = await runtime.runDag('named', { logicalDate: new Date('2024-01-02T00:00:00Z') });
    expect(first.execution.name).toBe(executionName(first.run, 0));
    expect(first.execution.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    const again = await runtime.execute(first.run);
    expect(again.run.generation).toBe(1);
    expect(again.execution.name).toBe(executionName(first.run, 1));
  });

  it('fails the run when a leaf is upstream_failed while an independent branch completes', async () => {
    const { runtime } = runtimeWith({ fetch_sales: () => { throw new TaskFailedError('sales API down'); } });
    const ids = ['start', 'fetch_sales', 'clean_sales', 'fetch_weather', 'clean_weather', 'join'];
    runtime.register(makeDag('umbrella', ids.map((id) => py(id)), [['start', 'fetch_sales'], ['start', 'fetch_weather'], ['fetch_sales', 'clean_sales'], ['fetch_weather', 'clean_weather'], ['clean_sales', 'join'], ['clean_weather', 'join']]));
    const { run, taskInstances, execution } = await runtime.runDag('umbrella');
    expect(states(taskInstances)).toEqual({ start: 'success', fetch_sales: 'failed', clean_sales: 'upstream_failed', fetch_weather: 'success', clean_weather: 'success', join: 'upstream_failed' });
    expect(run.state).toBe('failed');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Skydag.DagRunFailed' });
  });

  it('retries with a new try number, succeeding on try 2, and runs out of retries', async () => {
    let flaky = 0;
    const { runtime } = runtimeWith({
      flaky: () => { if (++flaky === 1) throw new TaskFailedError('first try fails'); return { outcome: 'success' }; },
      broken: () => { throw new TaskFailedError('always fails'); },
    });
    runtime.register(makeDag('retries', [py('flaky', { retries: 2, retry_delay_seconds: 0 }), py('broken', { retries: 1, retry_delay_seconds: 0 }), py('after', { trigger_rule: 'all_done' })], [['flaky', 'after'], ['broken', 'after']]));
    const { taskInstances, run } = await runtime.runDag('retries');
    const byId = Object.fromEntries(taskInstances.map((t) => [t.task_id, t]));
    expect(byId.flaky).toMatchObject({ state: 'success', try_number: 2 });
    expect(byId.broken).toMatchObject({ state: 'failed', try_number: 2 });
    expect(byId.after).toMatchObject({ state: 'success', try_number: 1 });
    expect(run.state).toBe('success'); // the only leaf (all_done) succeeded
    const log1 = await runtime.logs.read('retries', run.run_id, 'flaky', 1);
    expect(log1).toContain('Marking task as UP_FOR_RETRY');
    expect(await runtime.logs.read('retries', run.run_id, 'flaky', 2)).toContain('Marking task as SUCCESS');
  });

  it('skips the branch not taken and joins with none_failed_min_one_success', async () => {
    const { runtime } = runtimeWith({ pick: () => ({ outcome: 'success', followed: ['new'] }) });
    runtime.register(
      makeDag('branch', [py('pick', { operator: 'BranchPythonOperator', operator_kind: 'branch_python' }), py('old'), py('old_clean'), py('new'), py('join', { trigger_rule: 'none_failed_min_one_success' }), py('after')], [['pick', 'old'], ['old', 'old_clean'], ['pick', 'new'], ['old_clean', 'join'], ['new', 'join'], ['join', 'after']]),
    );
    const { taskInstances, run } = await runtime.runDag('branch');
    expect(states(taskInstances)).toEqual({ pick: 'success', old: 'skipped', old_clean: 'skipped', new: 'success', join: 'success', after: 'success' });
    expect(run.state).toBe('success');
  });

  it('starts each task as soon as its own upstream tasks are done (W shape, not series-parallel)', async () => {
    const order: string[] = [];
    const slow = (id: string, ms: number): Script => async () => { await delay(ms); order.push(id); return { outcome: 'success' }; };
    const { runtime, starts } = runtimeWith({ a: slow('a', 10), b: slow('b', 10), e: slow('e', 300), c: slow('c', 10), d: slow('d', 10) });
    runtime.register(makeDag('w', ['a', 'b', 'c', 'd', 'e'].map((id) => py(id)), [['a', 'c'], ['b', 'c'], ['b', 'd'], ['e', 'd']]));
    await runtime.runDag('w');
    // c depends only on a and b: it must finish while the slow e is still running.
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('e'));
    expect(order.indexOf('d')).toBeGreaterThan(order.indexOf('e'));
    expect(starts.slice(0, 3).sort()).toEqual(['a', 'b', 'e']);
  });

  it('honours max_active_tasks within a run', async () => {
    let running = 0;
    let peak = 0;
    const work: Script = async () => { running++; peak = Math.max(peak, running); await delay(20); running--; return { outcome: 'success' }; };
    const ids = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const { runtime } = runtimeWith(Object.fromEntries(ids.map((id) => [id, work])));
    runtime.register(makeDag('wide', ids.map((id) => py(id)), [], { max_active_tasks: 3 }));
    const { run } = await runtime.runDag('wide');
    expect(run.state).toBe('success');
    expect(peak).toBe(3);
  });

  it('honours pools and pool_slots across tasks (and leaves tasks outside pools alone)', async () => {
    let inPool = 0;
    let peak = 0;
    // Counts slots in use: `big` holds two.
    const work = (slots: number): Script => async () => { inPool += slots; peak = Math.max(peak, inPool); await delay(20); inPool -= slots; return { outcome: 'success' }; };
    const ids = Array.from({ length: 6 }, (_, i) => `p${i}`);
    const { runtime } = runtimeWith({ ...Object.fromEntries(ids.map((id) => [id, work(1)])), big: work(2) }, { etl_pool: 2 });
    const tasks = [...ids.map((id) => py(id, { pool: 'etl_pool' })), py('big', { pool: 'etl_pool', pool_slots: 2 }), py('free', { pool: 'unknown_pool' })];
    runtime.register(makeDag('pooled', tasks));
    const { run, taskInstances } = await runtime.runDag('pooled');
    expect(run.state).toBe('success');
    expect(peak).toBe(2);
    expect(taskInstances.every((t) => t.state === 'success')).toBe(true);
    // every slot was given back
    expect(await runtime.store.listSlotHolders('pool:etl_pool')).toEqual([]);
  });

  it('fails a run that exceeds dagrun_timeout, with its unfinished tasks', async () => {
    let stopped = '';
    const { runtime } = runtimeWith({
      slow: (request) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve({ outcome: 'success' }), 3000);
          request.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            stopped = String((request.signal.reason as Error).message);
            reject(request.signal.reason);
          });
        }),
    });
    runtime.register(makeDag('timed', [py('fast'), py('slow'), py('after')], [['fast', 'slow'], ['slow', 'after']], { dagrun_timeout_seconds: 1 }));
    const { run, taskInstances, execution } = await runtime.runDag('timed');
    expect(execution.status).toBe('FAILED');
    expect(run.state).toBe('failed');
    expect(states(taskInstances)).toEqual({ fast: 'success', slow: 'skipped', after: 'skipped' });
    expect(await runtime.logs.read('timed', run.run_id, 'slow', 1)).toContain('exceeded its dagrun_timeout');
    // the running try was stopped, not left to finish
    expect(stopped).toBe('the task was stopped: the run exceeded its dagrun_timeout');
  });

  it('sends failure and retry alert emails to the task\'s addresses (email_on_failure / email_on_retry)', async () => {
    const sent: { to: string[]; subject: string }[] = [];
    const runtime = new LocalRuntime({
      dagsFolder: tmpdir(),
      logsDir: mkdtempSync(join(tmpdir(), 'skydag-logs-')),
      render: async (request) => request.task.args,
      executorFor: () => async () => {
        throw new TaskFailedError('boom');
      },
      mail: { from: 'skydag@test', send: async (m) => void sent.push({ to: m.to, subject: m.subject }) },
    });
    runtime.register(
      makeDag('alerts', [
        py('loud', { email: ['ops@example.com'], retries: 1, retry_delay_seconds: 0 }),
        py('quiet_retry', { email: ['ops@example.com'], email_on_retry: false, retries: 1, retry_delay_seconds: 0 }),
        py('nobody', { retries: 0 }),
      ]),
    );
    const { run } = await runtime.runDag('alerts');
    expect(run.state).toBe('failed');
    expect(sent.map((m) => m.subject).sort()).toEqual([
      `Airflow alert: <TaskInstance: alerts.loud ${run.run_id} [failed]>`,
      `Airflow alert: <TaskInstance: alerts.loud ${run.run_id} [up_for_retry]>`,
      `Airflow alert: <TaskInstance: alerts.quiet_retry ${run.run_id} [failed]>`,
    ]);
    expect(sent.every((m) => m.to.join() === 'ops@example.com')).toBe(true);
  });
});
