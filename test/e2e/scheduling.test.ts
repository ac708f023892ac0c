/**
 * Across runs (test/fixtures/e2e/scheduling.py): depends_on_past holding a task until the same task
 * of the previous run succeeded, and max_active_tasks capping a DAG's running tasks within and
 * across runs.
 */
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { handleControl } from '../../shared/runtime/handlers/control.js';
import type { TaskInstanceRecord } from '../../shared/model/records.js';
import { e2eRuntime, runDag, sleep, statesAndTries, summarizeRun, TempDirs } from './support.js';

const temp = new TempDirs();
const runtimes: LocalRuntime[] = [];
afterAll(() => {
  for (const r of runtimes) r.close();
  temp.cleanup();
});

function fresh(): LocalRuntime {
  const runtime = e2eRuntime(temp);
  runtimes.push(runtime);
  return runtime;
}

const day = (d: number) => new Date(Date.UTC(2024, 0, d));
const scheduled = (d: number) => `scheduled__2024-01-${String(d).padStart(2, '0')}T00:00:00+00:00`;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('depends_on_past (e2e_depends_on_past)', () => {
  it('runs the task when the previous run’s instance succeeded (consecutive runs)', async () => {
    const runtime = fresh();
    const first = await runDag(runtime, 'e2e_depends_on_past', { logicalDate: day(1), runType: 'scheduled' });
    const second = await runDag(runtime, 'e2e_depends_on_past', { logicalDate: day(2), runType: 'scheduled' });
    for (const [result, ds] of [[first, '2024-01-01'], [second, '2024-01-02']] as const) {
      expect(result.run.state).toBe('success');
      expect(result.tasks).toEqual({
        gate: { state: 'success', try: 1, xcom: { return_value: `gate ${ds}` } },
        after: { state: 'success', try: 1, xcom: { return_value: `after ${ds}` } },
        free: { state: 'success', try: 1, xcom: { return_value: `free ${ds}` } },
      });
    }
  });

  it('holds the task (the run stays running, as in Airflow) while the previous instance failed, and runs it once that instance is marked success', async () => {
    const runtime = fresh();
    const failed = await runDag(runtime, 'e2e_depends_on_past', { logicalDate: day(3), runType: 'scheduled', conf: { fail: true } });
    expect(statesAndTries(failed.tasks)).toEqual({ gate: ['failed', 1], after: ['upstream_failed', 0], free: ['success', 1] });

    const blocked = runtime.runDag('e2e_depends_on_past', { logicalDate: day(4), runType: 'scheduled' });
    const ref = { dag_id: 'e2e_depends_on_past', run_id: scheduled(4) };
    await waitFor(async () => (await runtime.store.getTaskInstance(ref.dag_id, ref.run_id, 'free'))?.state === 'success');
    await sleep(500);
    expect(statesAndTries(await summarizeRun(runtime, ref))).toEqual({ gate: ['none', 0], after: ['none', 0], free: ['success', 1] });
    expect((await runtime.store.getDagRun(ref.dag_id, ref.run_id))?.state).toBe('running');

    // A user marks the failed instance success (what Airflow's "Mark success" does): the same
    // complete handler the state machine calls records it and decides what it unblocks.
    const previous = { dag_id: 'e2e_depends_on_past', run_id: scheduled(3) };
    await runtime.store.updateTaskInstance(previous.dag_id, previous.run_id, 'gate', { state: 'running' });
    await handleControl(runtime.deps, { action: 'complete', run: previous, task_id: 'gate', try_number: 1 });

    const unblocked = await blocked;
    expect(unblocked.run.state).toBe('success');
    const tasks = await summarizeRun(runtime, ref);
    expect(tasks).toEqual({
      gate: { state: 'success', try: 1, xcom: { return_value: 'gate 2024-01-04' } },
      after: { state: 'success', try: 1, xcom: { return_value: 'after 2024-01-04' } },
      free: { state: 'success', try: 1, xcom: { return_value: 'free 2024-01-04' } },
    });
  }, 20_000);

  it('starts the task of an overlapping later run as soon as the earlier run’s instance succeeded', async () => {
    const runtime = fresh();
    const earlier = runtime.runDag('e2e_depends_on_past', { logicalDate: day(5), runType: 'scheduled', conf: { sleep: 1.5 } });
    await sleep(200);
    const later = runtime.runDag('e2e_depends_on_past', { logicalDate: day(6), runType: 'scheduled' });
    const [a, b] = await Promise.all([earlier, later]);
    expect([a.run.state, b.run.state]).toEqual(['success', 'success']);
    const gateOf = (tis: TaskInstanceRecord[]) => tis.find((t) => t.task_id === 'gate')!;
    const [gateA, gateB] = [gateOf(a.taskInstances), gateOf(b.taskInstances)];
    expect(gateA).toMatchObject({ state: 'success', try_number: 1 });
    expect(gateB).toMatchObject({ state: 'success', try_number: 1 });
    expect(Date.parse(gateB.start_date!)).toBeGreaterThanOrEqual(Date.parse(gateA.end_date!));
    // free does not depend on the past: the later run's ran long before the earlier gate finished.
    expect(Date.parse(b.taskInstances.find((t) => t.task_id === 'free')!.end_date!)).toBeLessThan(Date.parse(gateA.end_date!));
  }, 20_000);
});

/** The most task instances running at once, from their start and end dates. */
function peakConcurrency(tis: TaskInstanceRecord[]): number {
  const events = tis.flatMap((t) => [
    { at: Date.parse(t.start_date!), delta: 1 },
    { at: Date.parse(t.end_date!), delta: -1 },
  ]);
  events.sort((x, y) => x.at - y.at || x.delta - y.delta); // an end before a start at the same instant
  let running = 0;
  let peak = 0;
  for (const e of events) peak = Math.max(peak, (running += e.delta));
  return peak;
}

describe('max_active_tasks (e2e_max_active_tasks)', () => {
  it('runs at most 2 tasks of the DAG at once, within a run and across two concurrent runs', async () => {
    const runtime = fresh();
    const one = await runDag(runtime, 'e2e_max_active_tasks', { logicalDate: day(1) });
    expect(one.run.state).toBe('success');
    expect(Object.values(one.tasks).every((t) => t.state === 'success' && t.try === 1)).toBe(true);
    expect(one.tasks.work_3!.xcom).toEqual({ return_value: 'work_3' });
    expect(peakConcurrency(one.taskInstances)).toBe(2);

    const [a, b] = await Promise.all([runDag(runtime, 'e2e_max_active_tasks', { logicalDate: day(2) }), runDag(runtime, 'e2e_max_active_tasks', { logicalDate: day(3) })]);
    expect([a.run.state, b.run.state]).toEqual(['success', 'success']);
    expect(peakConcurrency([...a.taskInstances, ...b.taskInstances])).toBe(2);
  }, 30_000);
});
