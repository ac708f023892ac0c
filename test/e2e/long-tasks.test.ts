/**
 * Long tasks locally: the compiled state machine in the real local interpreter (aws-local-stepfunctions)
 * with the real runtime handlers and an in-memory store, on a fake clock, so hours pass in
 * milliseconds. Step Functions gives a Task state without TimeoutSeconds a limit of 99,999,999 s; the
 * interpreter's own default is 60 s, which failed every task, sensor and waiting `prepare` state
 * running past a minute with States.Timeout. Only `execution_timeout` may limit a try.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime, type RunOutcome } from '../../local/engine/local-runtime.js';
import type { Task } from '../../shared/model/schema.js';
import { createFileSensor } from '../../shared/runtime/executors/file-sensor.js';
import type { ExecutionOutcome, ExecutionRequest } from '../../shared/runtime/executors/types.js';
import { makeDag, makeTask } from '../helpers/model.js';

const HOUR_MS = 3_600_000;
const SENSOR = { poke_interval_seconds: 600, timeout_seconds: 7 * 24 * 3600, mode: 'poke' as const, soft_fail: false, exponential_backoff: false };

/** Resolves after `ms` of (fake) time, or rejects when the try is stopped (execution_timeout). */
function work(request: ExecutionRequest, ms: number, value: string): Promise<ExecutionOutcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve({ outcome: 'success', returnValue: value }), ms);
    request.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(request.signal.reason as Error);
    });
  });
}

const realImmediate = setImmediate;

/** Lets real I/O (task logs are opened in the thread pool) and promises settle: 20 turns of the loop and 2 ms of real time at least. */
async function settleRealWork(): Promise<void> {
  const until = process.hrtime.bigint() + 2_000_000n;
  for (let i = 0; i < 20 || process.hrtime.bigint() < until; i++) await new Promise((r) => realImmediate(r));
}

/** Advances the fake clock a minute at a time (letting real I/O and promises settle) until `done` settles. */
async function runFor<T>(done: Promise<T>, maxHours: number): Promise<T> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  for (let minutes = 0; !settled && minutes < maxHours * 60; minutes++) {
    await settleRealWork();
    await jest.advanceTimersByTimeAsync(60_000);
  }
  for (let i = 0; i < 50 && !settled; i++) await new Promise((r) => realImmediate(r));
  if (!settled) throw new Error(`the run did not end within ${maxHours} (fake) hours`);
  return done;
}

describe('long tasks in the local engine (fake clock)', () => {
  const logsDir = mkdtempSync(join(tmpdir(), 'skydag-long-logs-'));
  let runtime: LocalRuntime;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime'], now: new Date('2024-05-01T00:00:00Z') });
    const scripts: Record<string, (r: ExecutionRequest) => Promise<ExecutionOutcome>> = {
      two_hours: (r) => work(r, 2 * HOUR_MS, 'worked 2 h'),
      sensor_three_hours: (r) => work(r, 3 * HOUR_MS, 'sensed after 3 h'),
      after: (r) => work(r, 1000, 'after'),
      capped: (r) => work(r, 5 * HOUR_MS, 'never'),
      month_limit: (r) => work(r, 2 * HOUR_MS, 'within a 30-day limit'),
      wait_for_file: createFileSensor(),
    };
    runtime = new LocalRuntime({
      dagsFolder: tmpdir(),
      logsDir,
      render: async (request) => request.task.args,
      executorFor: ({ task }) => (request) => scripts[task.task_id]!(request),
    });
  });
  afterEach(() => {
    runtime.close();
    jest.useRealTimers();
  });
  afterAll(() => rmSync(logsDir, { recursive: true, force: true }));

  const py = (id: string, extra: Partial<Task> = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', ...extra });

  it('runs a 2-hour task, a sensor poking for 3 hours and a downstream task that waited for both', async () => {
    runtime.register(
      makeDag('long', [py('two_hours'), py('sensor_three_hours', { operator: 'PythonSensor', operator_kind: 'python_sensor', sensor: SENSOR }), py('after')], [
        ['two_hours', 'after'],
        ['sensor_three_hours', 'after'],
      ]),
    );
    const started = Date.now();
    const { run, taskInstances, execution }: RunOutcome = await runFor(runtime.runDag('long'), 6);
    expect(execution.status).toBe('SUCCEEDED');
    expect(run.state).toBe('success');
    expect(Object.fromEntries(taskInstances.map((t) => [t.task_id, [t.state, t.try_number]]))).toEqual({
      two_hours: ['success', 1],
      sensor_three_hours: ['success', 1],
      after: ['success', 1],
    });
    expect((await runtime.store.getXCom('long', run.run_id, 'sensor_three_hours', 'return_value'))?.value).toBe('sensed after 3 h');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * HOUR_MS);
  });

  it("pokes FileSensor every 30 minutes for hours until the file arrives (sensor timeout: Airflow's 7 days)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skydag-long-sensor-'));
    const path = join(dir, 'data.csv');
    runtime.register(
      makeDag('file_wait', [makeTask('wait_for_file', { operator: 'FileSensor', operator_kind: 'file_sensor', args: { filepath: path }, sensor: { ...SENSOR, poke_interval_seconds: 1800 } })]),
    );
    setTimeout(() => writeFileSync(path, 'a,b\n'), 5 * HOUR_MS);
    try {
      const { run, taskInstances } = await runFor(runtime.runDag('file_wait'), 8);
      expect(taskInstances.map((t) => [t.task_id, t.state, t.try_number])).toEqual([['wait_for_file', 'success', 1]]);
      expect(run.state).toBe('success');
      const log = await runtime.logs.read('file_wait', run.run_id, 'wait_for_file', 1);
      // Pokes are poke_interval apart in fake time, plus the real time each poke's file-system call takes.
      expect(log?.match(/Poking for file/g)?.length).toBeGreaterThanOrEqual(4);
      expect(log).toMatch(/\[2024-05-01T0[5-7]:\d\d:\d\d\.\d+Z\] \{skydag\} INFO - Success criteria met\. Exiting\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a task whose execution_timeout (30 days) is longer than a Node timer can hold', async () => {
    // Node fires a timer of more than 2^31 - 1 ms (~24.8 days) after 1 ms: such a limit must not end the try at once.
    runtime.register(makeDag('month', [py('month_limit', { execution_timeout_seconds: 30 * 24 * 3600 })]));
    const { run, taskInstances } = await runFor(runtime.runDag('month'), 6);
    expect(taskInstances.map((t) => [t.task_id, t.state])).toEqual([['month_limit', 'success']]);
    expect(run.state).toBe('success');
  });

  it('still stops a try at its execution_timeout (1 hour), however long the task would run', async () => {
    runtime.register(makeDag('capped', [py('capped', { execution_timeout_seconds: 3600 })]));
    const started = Date.now();
    const { run, taskInstances } = await runFor(runtime.runDag('capped'), 6);
    expect(taskInstances.map((t) => [t.task_id, t.state])).toEqual([['capped', 'failed']]);
    expect(run.state).toBe('failed');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(HOUR_MS);
    expect(elapsed).toBeLessThan(2 * HOUR_MS);
    expect(await runtime.logs.read('capped', run.run_id, 'capped', 1)).toMatch(/execution_timeout of 3600 s exceeded/);
  });
});
