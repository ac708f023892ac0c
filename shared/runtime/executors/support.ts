/**
 * Small helpers shared by the built-in executors: reading rendered arguments, abort handling,
 * the injectable sleep, and Python-style formatting of instants for log lines and env vars.
 */
import type { PyValue, Task } from '../../model/schema.js';
import { pythonUtcDatetimeStr, type Instant } from '../time.js';
import { type ExecutionRequest, TaskNotRunnableError, TaskTimeoutError } from './types.js';

/** Waits `ms` milliseconds; rejects (with the signal's reason) as soon as `signal` aborts. */
export type SleepFn = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real sleep: a timer that an abort cancels. */
export const realSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The error an executor throws when its signal aborts (execution_timeout expired or the run was
 * stopped): the signal's reason when it already is a TaskTimeoutError, else a TaskTimeoutError
 * carrying the reason's message.
 */
export function abortError(signal: AbortSignal): TaskTimeoutError {
  const reason: unknown = signal.reason;
  if (reason instanceof TaskTimeoutError) return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return new TaskTimeoutError(reason.message);
  if (typeof reason === 'string' && reason) return new TaskTimeoutError(reason);
  return new TaskTimeoutError('The task was stopped before it finished (execution_timeout expired or the run was stopped)');
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/** Settles with `promise`, or rejects with {@link abortError} as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `returnValue` only when the task pushes XComs (do_xcom_push) and the value is not None. */
export function withReturnValue(task: Task, value: unknown): { returnValue?: unknown } {
  return task.do_xcom_push && value !== undefined && value !== null ? { returnValue: value } : {};
}

/** Python's `datetime.isoformat()` of an aware UTC datetime: `2024-01-01T00:00:00+00:00`. */
export function pythonIsoformat(value: Instant, what = 'time'): string {
  return pythonUtcDatetimeStr(value, what).replace(' ', 'T');
}

// ---------------------------------------------------------------------------------------------
// Argument readers. Rendered arguments are PyValues; these read them with clear errors.
// ---------------------------------------------------------------------------------------------

function isTaggedValue(v: PyValue | undefined, tag: string): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { $type?: unknown }).$type === tag;
}

export function isCallableRef(v: PyValue | undefined): v is Extract<PyValue, { $type: 'callable' }> {
  return isTaggedValue(v, 'callable');
}

export function isPlainDict(v: PyValue | undefined): v is { [key: string]: PyValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $type?: unknown }).$type !== 'string';
}

function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (isCallableRef(v)) return 'a function';
  if (typeof v === 'object') return isPlainDict(v) ? 'a dict' : `a ${(v as { $type: string }).$type}`;
  return `a ${typeof v}`;
}

/** What the argument readers need of a request: the arguments, and the task they are of (for errors). */
export interface ArgSource {
  args: Record<string, PyValue>;
  task: { operator: string; task_id: string };
}

function where(request: ArgSource): string {
  return `${request.task.operator} '${request.task.task_id}'`;
}

/** A string argument; undefined when absent or None. */
export function optionalString(request: ArgSource, name: string): string | undefined {
  const v = request.args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TaskNotRunnableError(`${where(request)}: ${name} must be a string (got ${describe(v)})`);
}

export function requiredString(request: ArgSource, name: string): string {
  const v = optionalString(request, name);
  if (v === undefined) throw new TaskNotRunnableError(`${where(request)}: argument '${name}' is required`);
  return v;
}

export function optionalBool(request: ExecutionRequest, name: string, fallback: boolean): boolean {
  const v = request.args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw new TaskNotRunnableError(`${where(request)}: ${name} must be True or False (got ${describe(v)})`);
}

/** A dict argument (string keys); undefined when absent or None. */
export function optionalDict(request: ExecutionRequest, name: string): Record<string, PyValue> | undefined {
  const v = request.args[name];
  if (v === undefined || v === null) return undefined;
  if (isPlainDict(v)) return v;
  throw new TaskNotRunnableError(`${where(request)}: ${name} must be a dict (got ${describe(v)})`);
}

/** Seconds from a timedelta or a number of seconds; undefined when absent or None. */
export function optionalSeconds(request: ExecutionRequest, name: string): number | undefined {
  const v = request.args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (isTaggedValue(v, 'timedelta')) return (v as { seconds: number }).seconds;
  throw new TaskNotRunnableError(`${where(request)}: ${name} must be a timedelta (got ${describe(v)})`);
}

/** A string or a list of strings, as a list; undefined when absent or None. */
export function optionalStringList(request: ArgSource, name: string): string[] | undefined {
  const v = request.args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  throw new TaskNotRunnableError(`${where(request)}: ${name} must be a string or a list of strings (got ${describe(v)})`);
}

/** Rejects a Python callable argument skydag cannot call from TypeScript. */
export function rejectCallable(request: ExecutionRequest, name: string, hint: string): void {
  const v = request.args[name];
  if (v === undefined || v === null) return;
  const fn = isCallableRef(v) ? `'${v.name}'` : 'a value';
  throw new TaskNotRunnableError(
    `${where(request)}: ${name} (${fn}) is a Python callable, which skydag's built-in ${request.task.operator} cannot call. ${hint}`,
  );
}

/** Stringifies a scalar PyValue the way Python's `str()` would, for headers, params and env values. */
export function pyScalarString(v: PyValue): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  return undefined;
}
