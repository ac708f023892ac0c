import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyValue } from '../../model/schema.js';
import { createBashSensor } from './bash-sensor.js';
import { TaskFailedNoRetryError } from './python.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bash-sensor-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function request(args: Record<string, PyValue>, clock: FakeClock, timeout = 600) {
  return makeRequest({
    task: makeTask({ task_id: 'flag', operator: 'BashSensor', operator_kind: 'bash_sensor', args, sensor: sensorSettings({ poke_interval_seconds: 60, timeout_seconds: timeout }) }),
    now: clock.now,
  });
}

/** A command that exits with the codes given, one per poke (state kept in a counter file). */
const exits = (codes: number[]) =>
  `n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n; codes=(${codes.join(' ')}); echo "poke $n"; exit \${codes[$n]}`;

describe('BashSensor', () => {
  it('pokes until the command exits 0; any other code pokes again without retry_exit_code', async () => {
    const clock = new FakeClock();
    const req = request({ bash_command: exits([1, 2, 0]) }, clock);
    await expect(createBashSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([60, 60]);
    expect(req.log.output()).toBe('poke 0\npoke 1\npoke 2\n');
    expect(req.log.infos()).toContain('Non-zero return code and no retry code set, will retry later');
  });

  it('with retry_exit_code, only that code pokes again; another fails without retries', async () => {
    const clock = new FakeClock();
    const ok = request({ bash_command: exits([7, 0]), retry_exit_code: 7 }, clock);
    await expect(createBashSensor({ sleep: clock.sleep })(ok)).resolves.toEqual({ outcome: 'success' });
    expect(ok.log.infos()).toContain('Return code matches retry code, will retry later');

    await rm(path.join(dir, 'n'));
    const bad = request({ bash_command: exits([7, 3]), retry_exit_code: 7 }, clock);
    const failure = createBashSensor({ sleep: clock.sleep })(bad);
    await expect(failure).rejects.toThrow('Command exited with return code 3');
    await expect(failure).rejects.toBeInstanceOf(TaskFailedNoRetryError);
  });

  it('times out like any sensor, and runs with env (only) when given', async () => {
    const clock = new FakeClock();
    await expect(createBashSensor({ sleep: clock.sleep })(request({ bash_command: 'exit 1' }, clock, 120))).rejects.toThrow(/Sensor has timed out/);
    const req = request({ bash_command: 'echo "$GREETING ${HOME:-no home}"; test "$GREETING" = hi', env: { GREETING: 'hi' } }, clock);
    await expect(createBashSensor({ sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(req.log.output()).toBe('hi no home\n');
  });
});
