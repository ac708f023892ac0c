/**
 * The local ticker with a controllable clock and timer: passes every N seconds, no overlap, clean
 * stop, logging; and end to end with a LocalRuntime running the created runs in the local engine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DagRunRecord } from '../../shared/model/records.js';
import type { SchedulePassResult } from '../../shared/scheduling/scheduler.js';
import { dagRecordFor, modelsOf, recordingStarter, runStates, scheduledDag, storeWith } from '../../shared/scheduling/test-support.js';
import { dagVersion } from '../engine/local-dag-source.js';
import { createLocalRuntime } from '../engine/wiring.js';
import { MemoryMetadataStore } from '../stores/memory-metadata.js';
import { SchedulerTicker, createLocalScheduler, localRunStarter, type TimerPort } from './ticker.js';

/** A timer whose callbacks run only when the test fires them. */
class FakeTimer implements TimerPort {
  private nextId = 1;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  readonly delays: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { callback, ms });
    this.delays.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Fires the (single) pending timer. */
  fire(): void {
    const [id, entry] = [...this.pending][0] ?? [];
    if (id === undefined || !entry) throw new Error('no timer pending');
    this.pending.delete(id);
    entry.callback();
  }
}

class Clock {
  constructor(public current: Date) {}
  now = () => this.current;
  set(iso: string) {
    this.current = new Date(iso);
  }
}

/** Resolves with the result of the next pass the ticker completes. */
function passes(): { onPass: (r: SchedulePassResult) => void; next: () => Promise<SchedulePassResult> } {
  const waiting: ((r: SchedulePassResult) => void)[] = [];
  return {
    onPass: (r) => waiting.shift()?.(r),
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** Lets the ticker's promise chain (pass → schedule the next timer) settle. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

const sched = (day: string) => `scheduled__${day}T00:00:00+00:00`;

describe('SchedulerTicker', () => {
  it('runs a pass at start, then every interval (default 5 s) with the injected clock, and logs what it created', async () => {
    const dag = scheduledDag('daily');
    const store = await storeWith([dag]);
    const timer = new FakeTimer();
    const clock = new Clock(new Date('2024-01-01T12:00:00Z'));
    const lines: string[] = [];
    const starter = recordingStarter();
    const pass = passes();
    const ticker = new SchedulerTicker({ store, startRun: starter.startRun, dagModel: modelsOf(dag), clock: clock.now, timer, log: (l) => lines.push(l), onPass: pass.onPass });

    ticker.start();
    expect(timer.delays).toEqual([0]);
    let next = pass.next();
    timer.fire();
    expect((await next).created).toEqual([]);
    await flush();
    expect(timer.delays).toEqual([0, 5000]);

    clock.set('2024-01-03T00:00:01Z');
    next = pass.next();
    timer.fire();
    expect((await next).created.map((r) => r.run_id)).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
    expect(lines).toEqual([
      'scheduler: created scheduled__2024-01-01T00:00:00+00:00 of daily (data interval 2024-01-01T00:00:00.000Z → 2024-01-02T00:00:00.000Z)',
      'scheduler: created scheduled__2024-01-02T00:00:00+00:00 of daily (data interval 2024-01-02T00:00:00.000Z → 2024-01-03T00:00:00.000Z)',
      'scheduler: started scheduled__2024-01-01T00:00:00+00:00 of daily',
      'scheduler: started scheduled__2024-01-02T00:00:00+00:00 of daily',
    ]);

    await ticker.stop();
    expect(timer.pending.size).toBe(0);
    expect(ticker.isRunning).toBe(false);
    expect(starter.started).toEqual([sched('2024-01-01'), sched('2024-01-02')]);
  });

  it('takes the interval from its options', async () => {
    const timer = new FakeTimer();
    const pass = passes();
    const ticker = new SchedulerTicker({ store: new MemoryMetadataStore(), startRun: async () => undefined, dagModel: async () => undefined, timer, intervalSeconds: 30, onPass: pass.onPass });
    ticker.start();
    const next = pass.next();
    timer.fire();
    await next;
    await flush();
    expect(timer.delays).toEqual([0, 30_000]);
    await ticker.stop();
    expect(() => new SchedulerTicker({ store: new MemoryMetadataStore(), startRun: async () => undefined, dagModel: async () => undefined, intervalSeconds: 0 })).toThrow(/must be positive/);
  });

  it('never overlaps passes, and stop() waits for the pass in flight', async () => {
    const dag = scheduledDag('slow');
    const store = await storeWith([dag]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const startRun = async (run: DagRunRecord) => {
      started.push(run.run_id);
      await gate; // a slow start
    };
    const clock = new Clock(new Date('2024-01-02T00:00:00Z'));
    const ticker = new SchedulerTicker({ store, startRun, dagModel: modelsOf(dag), clock: clock.now, timer: new FakeTimer() });
    const first = ticker.tick();
    const second = ticker.tick(); // queued behind the first
    let stopped = false;
    const stopping = ticker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([sched('2024-01-01')]);
    expect(stopped).toBe(false);
    release();
    expect((await first).created.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    expect((await second).created).toEqual([]); // it saw the first pass's run
    await stopping;
    expect(stopped).toBe(true);
  });

  it('logs a persistent error once, and again when it changes', async () => {
    const store = await storeWith([scheduledDag('broken')]);
    const lines: string[] = [];
    const ticker = new SchedulerTicker({ store, startRun: async () => undefined, dagModel: async () => undefined, clock: () => new Date('2024-01-02T00:00:00Z'), timer: new FakeTimer(), log: (l) => lines.push(l) });
    await ticker.tick();
    await ticker.tick();
    expect(lines).toEqual(['scheduler: broken: Error: the model of version v1 is not available']);
    await store.updateDag('broken', { current_version: 'v2' });
    await ticker.tick();
    expect(lines).toHaveLength(2);
  });

  it('re-starts running runs on its first pass when recoverOnStart is set', async () => {
    const dag = scheduledDag('recover');
    const store = await storeWith([dag]);
    const starter = recordingStarter();
    const clock = () => new Date('2024-01-02T00:00:00Z');
    await new SchedulerTicker({ store, startRun: async () => undefined, dagModel: modelsOf(dag), clock, timer: new FakeTimer() }).tick(); // a previous process
    const ticker = new SchedulerTicker({ store, startRun: starter.startRun, dagModel: modelsOf(dag), clock, timer: new FakeTimer(), recoverOnStart: true });
    expect((await ticker.tick()).recovered.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    expect((await ticker.tick()).recovered).toEqual([]);
    expect(starter.calls).toEqual([sched('2024-01-01')]);
  });
});

describe('localRunStarter', () => {
  it('starts each run once, detached, and drains', async () => {
    const executed: string[] = [];
    const finished: string[] = [];
    const runtime = {
      execute: async (run: DagRunRecord) => {
        executed.push(run.run_id);
        await new Promise((resolve) => setImmediate(resolve));
        return { run: { ...run, state: 'success' as const }, taskInstances: [], execution: { name: run.run_id, machine: 'm', status: 'SUCCEEDED' as const } };
      },
    };
    const starter = localRunStarter(runtime, { onFinished: (run) => finished.push(`${run.run_id}:${run.state}`) });
    const run = { dag_id: 'd', run_id: 'r1' } as DagRunRecord;
    await starter.startRun(run);
    await starter.startRun(run);
    expect(starter.active.size).toBe(1);
    await starter.drain();
    expect(executed).toEqual(['r1']);
    expect(finished).toEqual(['r1:success']);
    expect(starter.active.size).toBe(0);
  });
});

describe('createLocalScheduler with a LocalRuntime', () => {
  it('creates the due runs and runs them to success in the local engine, one at a time with max_active_runs=1', async () => {
    const home = mkdtempSync(join(tmpdir(), 'skydag-scheduler-'));
    const store = new MemoryMetadataStore();
    const runtime = createLocalRuntime({ dagsFolder: home, home, store });
    const dag = scheduledDag('local_daily', { max_active_runs: 1 });
    runtime.register(dag);
    await store.putDag(dagRecordFor(dag, { current_version: dagVersion(dag) }));
    const lines: string[] = [];
    const clock = new Clock(new Date('2024-01-04T00:00:00Z'));
    const { ticker, starter } = createLocalScheduler({ runtime, store, clock: clock.now, timer: new FakeTimer(), log: (l) => lines.push(l) });
    ticker.start();
    const first = await ticker.tick();
    expect(first.created.map((r) => r.run_id)).toEqual([sched('2024-01-01')]);
    // Each finished run triggers a pass that creates and starts the next one.
    for (let i = 0; i < 10 && (await store.listDagRuns('local_daily', { states: ['success'] })).length < 3; i++) {
      await starter.drain();
      await ticker.tick();
    }
    await starter.drain();
    await ticker.stop();
    runtime.close();
    expect(await runStates(store, 'local_daily')).toEqual([
      [sched('2024-01-01'), 'success'],
      [sched('2024-01-02'), 'success'],
      [sched('2024-01-03'), 'success'],
    ]);
    expect((await store.listTaskInstances('local_daily', sched('2024-01-02'))).map((ti) => [ti.task_id, ti.state])).toEqual([
      ['extract', 'success'],
      ['load', 'success'],
    ]);
    expect(lines).toContain(`scheduler: ${sched('2024-01-03')} of local_daily ended: success`);
  });
});
