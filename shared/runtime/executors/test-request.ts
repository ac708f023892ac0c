/**
 * Test helper: builds an {@link ExecutionRequest} the way the execute handler would, with a
 * recording logger, in-memory services and a controllable clock.
 */
import { makeDag as makeModelDag, makeTask as makeModelTask } from '../../../test/helpers/model.js';
import { serializableContext } from '../handlers/execution-request.js';
import { newTaskInstances } from '../handlers/launch.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { Dag, PyValue, SensorSettings, Task } from '../../model/schema.js';
import type { SleepFn } from './support.js';
import type { Connection, ExecutionRequest, ProcessRecord, ProcessTracking, TaskLogger, TaskServices } from './types.js';

export interface RecordingLogger extends TaskLogger {
  /** Everything, in order: `write` text as is, `info` lines prefixed with `[info] ` and a newline. */
  readonly entries: { kind: 'write' | 'info'; text: string; at: number }[];
  /** Concatenated `write` output. */
  output(): string;
  infos(): string[];
}

export function recordingLogger(): RecordingLogger {
  const entries: { kind: 'write' | 'info'; text: string; at: number }[] = [];
  return {
    entries,
    write: (text) => entries.push({ kind: 'write', text, at: Date.now() }),
    info: (message) => entries.push({ kind: 'info', text: message, at: Date.now() }),
    output: () => entries.filter((e) => e.kind === 'write').map((e) => e.text).join(''),
    infos: () => entries.filter((e) => e.kind === 'info').map((e) => e.text),
  };
}

/** A ProcessTracking that writes nothing and remembers what it was told. */
export interface RecordingTracking extends ProcessTracking {
  /** Pids recorded here (`track`). */
  readonly tracked: number[];
  /** Pids forgotten (by `forget`, or the function `track` returned). */
  readonly forgotten: number[];
  /** How many records were asked for (for a spawner to write). */
  readonly recordsAsked: number;
}

export function recordingTracking(record: ProcessRecord = { dir: '/nonexistent/skydag-records', fields: {} }): RecordingTracking {
  const tracked: number[] = [];
  const forgotten: number[] = [];
  let asked = 0;
  return {
    tracked,
    forgotten,
    get recordsAsked() {
      return asked;
    },
    record: () => {
      asked++;
      return record;
    },
    track: (pid) => {
      tracked.push(pid);
      return () => forgotten.push(pid);
    },
    forget: (pid) => forgotten.push(pid),
  };
}

export function makeTask(over: Partial<Task> & { task_id?: string; args?: Record<string, PyValue> } = {}): Task {
  return makeModelTask(over.task_id ?? 'the_task', { operator: 'BashOperator', operator_kind: 'bash', source: { file: 'dag.py', line: 1, col: 1 }, ...over });
}

export function sensorSettings(over: Partial<SensorSettings> = {}): SensorSettings {
  return { poke_interval_seconds: 60, timeout_seconds: 604800, mode: 'poke', soft_fail: false, exponential_backoff: false, ...over };
}

export function makeDag(tasks: Task[], over: Partial<Dag> = {}): Dag {
  return makeModelDag(over.dag_id ?? 'test_dag', tasks, [], {
    schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
    start_date: '2024-01-01T00:00:00+00:00',
    source: { file: 'dag.py', line: 1, col: 1 },
    ...over,
  });
}

export function makeRun(over: Partial<DagRunRecord> = {}): DagRunRecord {
  return {
    dag_id: 'test_dag',
    run_id: 'scheduled__2024-01-01T00:00:00+00:00',
    logical_date: '2024-01-01T00:00:00+00:00',
    data_interval_start: '2024-01-01T00:00:00+00:00',
    data_interval_end: '2024-01-02T00:00:00+00:00',
    run_type: 'scheduled',
    state: 'running',
    external_trigger: false,
    conf: {},
    queued_at: null,
    start_date: null,
    end_date: null,
    dag_version: null,
    parent: null,
    note: null,
    ...over,
  };
}

/** A clock that only moves when told to (or when the fake sleep "waits"). */
export class FakeClock {
  ms: number;
  readonly sleeps: number[] = [];
  constructor(start: string | number = '2024-01-02T00:00:00Z') {
    this.ms = typeof start === 'number' ? start : Date.parse(start);
  }
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
  /** A sleep that records the delay and advances the clock instantly (rejects if already aborted). */
  sleep: SleepFn = async (ms, signal) => {
    if (signal.aborted) throw signal.reason;
    this.sleeps.push(ms / 1000);
    this.ms += ms;
  };
}

export interface RequestOptions {
  task?: Task;
  dag?: Dag;
  run?: Partial<DagRunRecord>;
  tryNumber?: number;
  connections?: Record<string, Partial<Connection>>;
  signal?: AbortSignal;
  now?: () => Date;
  dagsFolder?: string;
}

export function makeRequest(options: RequestOptions = {}): ExecutionRequest & { log: RecordingLogger } {
  const task = options.task ?? makeTask();
  const dag = options.dag ?? makeDag([task]);
  const run = makeRun({ dag_id: dag.dag_id, ...options.run });
  const tryNumber = options.tryNumber ?? 1;
  const [created] = newTaskInstances({ ...dag, tasks: [task] }, run.run_id);
  const ti: TaskInstanceRecord = { ...created!, state: 'running', try_number: tryNumber, max_tries: task.retries, hostname: 'localhost' };
  const context = serializableContext({ run, dag }, task, ti, tryNumber);

  const connections = options.connections ?? {};
  const xcoms = new Map<string, unknown>();
  const variables = new Map<string, string>();
  const services: TaskServices = {
    xcomPull: async (taskIds, key = 'return_value') =>
      typeof taskIds === 'string' ? xcoms.get(`${taskIds}/${key}`) : (taskIds ?? []).map((id) => xcoms.get(`${id}/${key}`)),
    xcomPush: async (key, value) => void xcoms.set(`${task.task_id}/${key}`, value),
    getVariable: async (key) => variables.get(key),
    setVariable: async (key, value) => void variables.set(key, value),
    getConnection: async (connId) => {
      const c = connections[connId];
      if (!c) return undefined;
      return {
        conn_id: connId,
        conn_type: 'http',
        host: null,
        schema: null,
        login: null,
        password: null,
        port: null,
        extra: {},
        ...c,
      };
    },
  };
  return {
    dag,
    task,
    run,
    ti,
    tryNumber,
    dagFilePath: '/dags/test_dag.py',
    dagsFolder: options.dagsFolder ?? '/dags',
    args: task.args,
    context,
    services,
    log: recordingLogger(),
    signal: options.signal ?? new AbortController().signal,
    now: options.now ?? (() => new Date()),
  };
}
