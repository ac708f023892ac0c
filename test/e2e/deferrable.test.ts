/**
 * Deferrable operators end to end (test/fixtures/e2e/deferrable.py): self.defer() awaits the trigger
 * in the task's process and resumes the task as Airflow 2.10 does; failures of the trigger fail it; an
 * operator with start_from_trigger starts deferred.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { e2eRuntime, runDag, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let runtime: LocalRuntime;
let result: E2eRun;

beforeAll(async () => {
  rmSync(join(tmpdir(), 'skydag-e2e-deferrable-signal'), { force: true }); // made by the run's `touch` task
  runtime = e2eRuntime(temp);
  result = await runDag(runtime, 'e2e_deferrable');
}, 120_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

const task = (id: string) => result.tasks[id]!;
const log = (id: string) => tryLog(runtime, result.run, id, 1);

describe('deferrable operators (e2e_deferrable)', () => {
  it("resumes a sensor that defers on a TimeDeltaTrigger in its method, with the trigger's moment as event", async () => {
    expect(task('wait').state).toBe('success');
    expect(task('wait').xcom.return_value).toEqual({ waited: true, event_type: 'DateTime' });
    expect(await log('wait')).toMatch(/Pausing task as DEFERRED[\s\S]*Resuming after deferral: execute_complete/);
  });

  it('resumes as often as the task defers again, with the kwargs given to defer()', () => {
    expect(task('steps').xcom.return_value).toEqual({ count: 3, trail: 'abb' });
  });

  it('fires a DateTimeTrigger of a past moment at once; end_from_trigger ends the task without resuming it', () => {
    expect(task('at_moment').xcom.return_value).toBe('resumed with 2020-01-01T00:00:00+00:00 (DateTime)');
    expect(task('ended_by_trigger').state).toBe('success');
    expect(task('ended_by_trigger').xcom.return_value).toBeUndefined();
  });

  it('waits on a FileTrigger until an upstream task made the file', () => {
    expect(task('on_file').xcom.return_value).toBe('resumed with True (bool)');
  });

  it("fails the task when the trigger outlives defer()'s timeout, fails, or ends without an event", async () => {
    expect(task('timed_out').state).toBe('failed');
    expect(await log('timed_out')).toContain('TaskDeferralTimeout: Trigger timeout');
    expect(task('trigger_fails').state).toBe('failed');
    expect(await log('trigger_fails')).toMatch(/Trigger failed:[\s\S]*ValueError: Deliberate trigger failure[\s\S]*TaskDeferralError: Trigger failure/);
    expect(task('no_event').state).toBe('failed');
    expect(await log('no_event')).toMatch(/TaskDeferralError: Trigger <deferrable.EmptyTrigger > exited without sending an event/);
  });

  it('starts an operator or sensor with start_trigger_args and start_from_trigger deferred on that trigger, execute never run', async () => {
    expect(task('sensor_from_trigger').state).toBe('success');
    expect(task('sensor_from_trigger').xcom.return_value).toBe('resumed with a DateTime');
    expect(task('from_trigger').xcom.return_value).toBe('from the trigger: DateTime');
    expect(await log('from_trigger')).toMatch(/Pausing task as DEFERRED[\s\S]*DateTimeTrigger[\s\S]*Resuming after deferral: done/);
    expect(task('not_from_trigger').xcom.return_value).toBe('executed');
    expect(task('from_trigger_timed_out').state).toBe('failed');
    expect(await log('from_trigger_timed_out')).toContain('TaskDeferralTimeout: Trigger timeout');
  });

  it("ends the task in a TaskSkippedEvent's state, and refuses a naive moment as Airflow does", async () => {
    expect(task('skipped_by_trigger').state).toBe('skipped');
    expect(task('naive_moment').state).toBe('failed');
    expect(await log('naive_moment')).toContain('ValueError: You cannot pass naive datetimes');
  });
});
