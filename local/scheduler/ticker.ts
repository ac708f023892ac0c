/**
 * Local mode's scheduler: an in-process ticker that runs a scheduling pass every N seconds (what
 * EventBridge Scheduler + the launcher do in the cloud). The clock and the timer are injectable, so
 * tests drive it with a controllable clock; passes never overlap; `stop()` waits for the pass in
 * flight. Runs are started through a port; `localRunStarter` starts them in the local engine.
 */
import type { DagRunRecord } from '../../shared/model/records.js';
import { schedulePass, type SchedulePassResult, type SchedulerPorts, type StartRun } from '../../shared/scheduling/scheduler.js';
import { join } from 'node:path';
import { createSlaMissCallback } from '../../shared/runtime/handlers/sla-callback.js';
import { FileDagProcessorLogs } from '../engine/file-logs.js';
import type { LocalRuntime } from '../engine/local-runtime.js';

export interface TimerPort {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimer: TimerPort = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface TickerOptions {
  store: SchedulerPorts['store'];
  startRun: StartRun;
  dagModel: SchedulerPorts['dagModel'];
  /** Seconds between the end of one pass and the start of the next (default 5). */
  intervalSeconds?: number;
  clock?: () => Date;
  timer?: TimerPort;
  /** Where the ticker reports what it created and started (default: nothing). */
  log?: (line: string) => void;
  /** Re-start running runs on the first pass (only with a store that survived a restart; see schedulePass). */
  recoverOnStart?: boolean;
  /** Called after every pass. */
  onPass?: (result: SchedulePassResult) => void;
  /** Where SLA miss emails go. */
  mail?: SchedulerPorts['mail'];
  /** Runs DAGs' sla_miss_callback. */
  slaMissCallback?: SchedulerPorts['slaMissCallback'];
  /** Asks custom timetables. */
  customTimetables?: SchedulerPorts['customTimetables'];
}

export const DEFAULT_TICK_SECONDS = 5;

export class SchedulerTicker {
  private readonly intervalMs: number;
  private readonly clock: () => Date;
  private readonly timer: TimerPort;
  private handle: unknown = null;
  private started = false;
  private stopped = false;
  private firstPass = true;
  private queue: Promise<unknown> = Promise.resolve();
  /** Last error reported per DAG, so a persistent problem is logged once, not every pass. */
  private readonly lastErrors = new Map<string, string>();
  /** When the last pass ended (the scheduler's heartbeat, for /health). */
  lastPassAt: Date | null = null;

  constructor(private readonly options: TickerOptions) {
    const seconds = options.intervalSeconds ?? DEFAULT_TICK_SECONDS;
    if (!(seconds > 0)) throw new RangeError(`the scheduler interval must be positive (got ${seconds} s)`);
    this.intervalMs = seconds * 1000;
    this.clock = options.clock ?? (() => new Date());
    this.timer = options.timer ?? realTimer;
  }

  /** Starts ticking: a first pass right away, then one every interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops ticking and resolves once the pass in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== null) this.timer.clearTimeout(this.handle);
    this.handle = null;
    await this.queue.catch(() => undefined);
  }

  get isRunning(): boolean {
    return this.started && !this.stopped;
  }

  /** Runs one pass now (after the one in flight, if any): e.g. when a run finished, to start queued runs. */
  tick(): Promise<SchedulePassResult> {
    const pass = this.queue.catch(() => undefined).then(() => this.runPass());
    this.queue = pass;
    return pass;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.handle = this.timer.setTimeout(() => {
      this.handle = null;
      void this.tick()
        .catch((err: unknown) => this.log(`scheduler: pass failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => this.schedule(this.intervalMs));
    }, ms);
  }

  private async runPass(): Promise<SchedulePassResult> {
    const recover = this.firstPass && this.options.recoverOnStart === true;
    this.firstPass = false;
    const result = await schedulePass({
      store: this.options.store,
      now: this.clock(),
      startRun: this.options.startRun,
      dagModel: this.options.dagModel,
      mail: this.options.mail,
      slaMissCallback: this.options.slaMissCallback,
      customTimetables: this.options.customTimetables,
      ...(recover ? { recoverRunning: true } : {}),
    });
    this.report(result);
    this.lastPassAt = this.clock();
    this.options.onPass?.(result);
    return result;
  }

  private report(result: SchedulePassResult): void {
    for (const run of result.created) {
      this.log(`scheduler: created ${run.run_id} of ${run.dag_id} (data interval ${run.data_interval_start} → ${run.data_interval_end})`);
    }
    for (const run of result.started) this.log(`scheduler: started ${run.run_id} of ${run.dag_id}`);
    for (const run of result.recovered) this.log(`scheduler: re-started ${run.run_id} of ${run.dag_id} after a restart`);
    for (const miss of result.slaMisses) this.log(`scheduler: SLA miss: ${miss.task_id} of ${miss.dag_id} run ${miss.run_id} (deadline ${miss.deadline})`);
    const failing = new Set<string>();
    for (const error of result.errors) {
      const key = `${error.dag_id}\u0000${error.run_id ?? ''}`;
      failing.add(key);
      if (this.lastErrors.get(key) === error.message) continue;
      this.lastErrors.set(key, error.message);
      this.log(`scheduler: ${error.dag_id}${error.run_id ? ` run ${error.run_id}` : ''}: ${error.message}`);
    }
    for (const key of [...this.lastErrors.keys()]) if (!failing.has(key)) this.lastErrors.delete(key);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

export interface LocalRunStarter {
  /** Starts the run's state machine without waiting for it; starting a run whose execution is still in flight is a no-op. */
  startRun: StartRun;
  /** Resolves when every run started so far has ended. */
  drain(): Promise<void>;
  /** Runs started and not yet ended (`dag_id/run_id`). */
  readonly active: ReadonlySet<string>;
}

/**
 * Starts runs in a LocalRuntime's engine (detached). A run is never executed twice at once; once its
 * execution ended it can be started again (a cleared run is re-queued and runs again).
 */
export function localRunStarter(
  runtime: Pick<LocalRuntime, 'execute'>,
  options: { onFinished?: (run: DagRunRecord) => void; log?: (line: string) => void } = {},
): LocalRunStarter {
  const active = new Set<string>();
  const executions = new Set<Promise<void>>();
  return {
    active,
    async startRun(run) {
      const key = `${run.dag_id}/${run.run_id}`;
      if (active.has(key)) return;
      active.add(key);
      const execution: Promise<void> = runtime
        .execute(run)
        .then(
          (outcome) => {
            options.log?.(`scheduler: ${run.run_id} of ${run.dag_id} ended: ${outcome.run.state}`);
            options.onFinished?.(outcome.run);
          },
          (err: unknown) => options.log?.(`scheduler: ${run.run_id} of ${run.dag_id} could not run: ${err instanceof Error ? err.message : String(err)}`),
        )
        .finally(() => {
          active.delete(key);
          executions.delete(execution);
        });
      executions.add(execution);
    },
    async drain() {
      while (executions.size > 0) await Promise.allSettled([...executions]);
    },
  };
}

export interface LocalSchedulerSetup {
  runtime: Pick<LocalRuntime, 'execute' | 'dags'> & { deps?: Pick<LocalRuntime['deps'], 'mail' | 'timetables'> };
  store: SchedulerPorts['store'];
  intervalSeconds?: number;
  clock?: () => Date;
  timer?: TimerPort;
  log?: (line: string) => void;
  /** Restart runs the store says are running (a previous process died while they ran). */
  recoverOnStart?: boolean;
  /** After each pass (e.g. to wake tasks waiting for pool slots freed by other DAGs). */
  onPass?: TickerOptions['onPass'];
  /** Runs DAGs' sla_miss_callback (localSlaMissCallback); absent: not called. */
  slaMissCallback?: TickerOptions['slaMissCallback'];
}

/**
 * The ticker wired to a LocalRuntime: models come from the runtime's DAG source, runs start in its
 * engine, and a finished run triggers a pass at once (so queued runs do not wait for the next tick).
 */
export function createLocalScheduler(setup: LocalSchedulerSetup): { ticker: SchedulerTicker; starter: LocalRunStarter } {
  const holder: { ticker?: SchedulerTicker } = {};
  const starter = localRunStarter(setup.runtime, {
    ...(setup.log ? { log: setup.log } : {}),
    onFinished: () => {
      if (holder.ticker?.isRunning) void holder.ticker.tick().catch(() => undefined);
    },
  });
  holder.ticker = new SchedulerTicker({
    store: setup.store,
    startRun: starter.startRun,
    dagModel: (dagId, version) => setup.runtime.dags.getDag(dagId, version),
    mail: setup.runtime.deps?.mail,
    customTimetables: setup.runtime.deps?.timetables,
    ...(setup.intervalSeconds !== undefined ? { intervalSeconds: setup.intervalSeconds } : {}),
    ...(setup.clock ? { clock: setup.clock } : {}),
    ...(setup.timer ? { timer: setup.timer } : {}),
    ...(setup.log ? { log: setup.log } : {}),
    ...(setup.recoverOnStart ? { recoverOnStart: true } : {}),
    ...(setup.onPass ? { onPass: setup.onPass } : {}),
    ...(setup.slaMissCallback ? { slaMissCallback: setup.slaMissCallback } : {}),
  });
  return { ticker: holder.ticker, starter };
}

/**
 * DAGs' sla_miss_callback run by the runtime's Python runner, their output in the DAG processor logs
 * under `<home>/logs/scheduler/` (one file per DAG file, as Airflow's `logs/scheduler/latest/`).
 */
export function localSlaMissCallback(runtime: Pick<LocalRuntime, 'deps'>, home: string): NonNullable<SchedulerPorts['slaMissCallback']> {
  return createSlaMissCallback(runtime.deps, new FileDagProcessorLogs(join(home, 'logs', 'scheduler')));
}
