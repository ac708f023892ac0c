/**
 * Sensors end to end (test/fixtures/e2e/sensors.py): a FileSensor waiting for a file written by a
 * parallel task, a PythonSensor waiting for a file this test writes after its first poke, a timeout that
 * fails (never retried) and a soft_fail timeout that skips.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let result: E2eRun;
let logs: Record<string, string>;

beforeAll(async () => {
  const runtime = e2eRuntime(temp);
  const tmp = temp.make();
  // Write the flag only after the sensor has poked once, however late it starts on a loaded machine.
  const timer = setInterval(() => {
    if (existsSync(join(tmp, 'timer.flag.pokes'))) {
      writeFileSync(join(tmp, 'timer.flag'), 'now');
      clearInterval(timer);
    }
  }, 50);
  try {
    result = await runDag(runtime, 'e2e_sensors', { logicalDate: new Date('2024-01-01T00:00:00Z'), conf: { tmp } });
  } finally {
    clearInterval(timer);
  }
  logs = {};
  for (const id of ['wait_file', 'wait_python', 'wait_timeout', 'wait_soft']) logs[id] = await tryLog(runtime, result.run, id, 1);
  logs.wait_timeout_2 = await tryLog(runtime, result.run, 'wait_timeout', 2);
  runtime.close();
}, 30_000);
afterAll(() => temp.cleanup());

describe('sensors (e2e_sensors)', () => {
  it('ends each task as Airflow does', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      make_file: ['success', 1],
      wait_file: ['success', 1],
      after_file: ['success', 1],
      wait_python: ['success', 1],
      wait_timeout: ['failed', 1], // a sensor timeout is not retried, despite retries=2
      below_timeout: ['upstream_failed', 0],
      wait_soft: ['skipped', 1],
      below_soft: ['skipped', 0],
      below_soft_all_done: ['success', 1],
    });
    expect(result.run.state).toBe('failed'); // below_timeout is a leaf
  });

  it('pushes XComs of the tasks that ran, and the PokeReturnValue of the python sensor', () => {
    expect(result.tasks.make_file!.xcom).toEqual({ return_value: 'made' });
    expect(result.tasks.after_file!.xcom).toEqual({ return_value: 'file arrived' });
    expect(result.tasks.wait_python!.xcom).toEqual({ return_value: { found: 'timer.flag' } });
    expect(result.tasks.below_soft_all_done!.xcom).toEqual({ return_value: 'cleanup' });
    for (const id of ['wait_file', 'wait_timeout', 'below_timeout', 'wait_soft', 'below_soft']) expect({ id, xcom: result.tasks[id]!.xcom }).toEqual({ id, xcom: {} });
  });

  it('poked until the files appeared', () => {
    expect((logs.wait_file!.match(/Poking for file .*ready\.flag/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(logs.wait_file).toMatch(/Found File .*ready\.flag/);
    expect(logs.wait_python).toContain('poking timer.flag: False');
    expect(logs.wait_python).toContain('poking timer.flag: True');
  });

  it('logs the timeouts', () => {
    expect(logs.wait_timeout).toMatch(/Sensor has timed out; run duration of [\d.]+ seconds exceeds the specified timeout of 2\.[\s\S]*Marking task as FAILED \(try 1\)/);
    expect(logs.wait_timeout).not.toContain('UP_FOR_RETRY');
    expect(logs.wait_timeout_2).toBe('');
    expect(logs.wait_soft).toMatch(/Marking task as SKIPPED: Sensor has timed out; .* soft_fail is set, so the task is skipped\./);
  });
});
