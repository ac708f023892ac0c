/**
 * Runs one Python helper process (the task runner or the notebook runner) and talks to it:
 *
 * - the request is written to its stdin as one JSON document;
 * - its stdout and stderr stream, unchanged, into the task log (`log.write`);
 * - file descriptor 3 is a bidirectional socketpair carrying newline-delimited JSON: requests from
 *   Python (`{"id": 1, "op": "xcom_pull", ...}`) answered with `{"id": 1, "ok": true, "value": ...}` or
 *   `{"id": 1, "ok": false, "error": "..."}`, and the final one-way `{"op": "result", ...}`;
 * - the process runs in its own process group; aborting `signal` sends SIGTERM to the group, then
 *   SIGKILL after a grace period, and the call rejects once the process is gone. After a normal exit
 *   the group is SIGKILLed too, so background processes a task leaves behind do not outlive it (as
 *   Airflow's task runner reaps the task's process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { signalGroup } from './process-group.js';
import { findExecutable, taskCommand } from './task-environment.js';
import { TaskNotRunnableError, type ExecutionRequest, type TaskLogger } from './types.js';

/** A message the Python side sent on fd 3. */
export interface RunnerMessage {
  op: string;
  id?: number;
  [key: string]: unknown;
}

export interface PythonProcessOptions {
  /** Interpreter command or path. */
  python: string;
  /** Arguments after the interpreter (e.g. `['-m', 'skydag_runner']`). */
  args: readonly string[];
  cwd: string;
  /** The whole environment of the process (see task-environment.ts): nothing is inherited. */
  env: Record<string, string>;
  /** Written to stdin as JSON. */
  input: unknown;
  log: TaskLogger;
  signal?: AbortSignal;
  /** Serves one RPC request; the resolved value is sent back as `value`. */
  handle: (message: RunnerMessage) => Promise<unknown>;
  /** Time between SIGTERM and SIGKILL when aborted (default 3000 ms). */
  killGraceMs?: number;
  /** The error to reject with when `signal` aborts. */
  abortError: (reason: unknown) => Error;
  /** Text for "interpreter not found" (default: `<python> not found; install Python 3 or set SKYDAG_PYTHON`). */
  notFoundMessage?: string;
  /** Records the process group for orphan recovery (see ExecutionRequest.trackProcess). */
  trackProcess?: ExecutionRequest['trackProcess'];
  /** Run as this user (task-environment.ts `taskCredentials`). */
  credentials?: { uid?: number; gid?: number };
}

export interface PythonProcessResult {
  /** The `{"op": "result"}` message, or null when the process ended without sending one. */
  result: RunnerMessage | null;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  pid: number | undefined;
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid !== undefined) signalGroup(child.pid, sig);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Spawns the process and resolves when it has exited (or rejects on abort / missing interpreter). */
export function runPythonProcess(options: PythonProcessOptions): Promise<PythonProcessResult> {
  const grace = options.killGraceMs ?? 3000;
  return new Promise<PythonProcessResult>((resolvePromise, rejectPromise) => {
    if (options.signal?.aborted) {
      rejectPromise(options.abortError(options.signal.reason));
      return;
    }
    const python = findExecutable(options.python, options.env.PATH);
    if (!python) {
      rejectPromise(new TaskNotRunnableError(options.notFoundMessage ?? `${options.python} not found; install Python 3 or set SKYDAG_PYTHON`));
      return;
    }
    // Started through bash, which closes every inherited descriptor but stdio and the RPC channel (fd 3).
    const launch = taskCommand(python, options.args, { keep: 3 });
    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
        ...options.credentials,
      });
    } catch (err) {
      rejectPromise(new TaskNotRunnableError(`cannot start ${options.python}: ${errorText(err)}`));
      return;
    }
    const untrack = child.pid !== undefined ? options.trackProcess?.(child.pid) : undefined;
    let result: RunnerMessage | null = null;
    let settled = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const openStreams = new Set<string>();

    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      untrack?.();
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    const onAbort = () => {
      if (settled || aborted) return;
      aborted = true;
      options.log.info(`Stopping the Python process (pid ${child.pid ?? '?'}): SIGTERM to its process group`);
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), grace);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => {
        if (err.code === 'ENOENT') {
          rejectPromise(new TaskNotRunnableError(options.notFoundMessage ?? `${options.python} not found; install Python 3 or set SKYDAG_PYTHON`));
        } else {
          rejectPromise(new TaskNotRunnableError(`cannot run ${options.python}: ${err.message}`));
        }
      });
    });

    for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      if (!stream) continue;
      openStreams.add(name);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => options.log.write(chunk));
      stream.on('close', () => openStreams.delete(name));
      stream.on('error', () => openStreams.delete(name));
    }

    const channel = child.stdio[3] as Duplex | null | undefined;
    if (channel) {
      let buffer = '';
      openStreams.add('rpc');
      channel.setEncoding('utf8');
      channel.on('error', () => openStreams.delete('rpc'));
      channel.on('end', () => openStreams.delete('rpc'));
      channel.on('close', () => openStreams.delete('rpc'));
      channel.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          let message: RunnerMessage;
          try {
            message = JSON.parse(line) as RunnerMessage;
          } catch {
            options.log.info(`Ignoring an unreadable message from the Python runner: ${line.slice(0, 200)}`);
            continue;
          }
          if (message.op === 'result') {
            result = message;
            continue;
          }
          const id = message.id;
          void options.handle(message).then(
            (value) => ({ id, ok: true, value: value === undefined ? null : value }),
            (err: unknown) => ({ id, ok: false, error: errorText(err) }),
          ).then((reply) => {
            if (!channel.destroyed && channel.writable) channel.write(`${JSON.stringify(reply)}\n`);
          });
        }
      });
    }

    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${JSON.stringify(options.input)}\n`);

    child.on('exit', (code, sig) => {
      // Let buffered output drain (a background process still holding the pipes must not stall us).
      const started = Date.now();
      const done = () => {
        killGroup(child, 'SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (channel && !channel.destroyed) channel.destroy();
        finish(() => {
          if (aborted) rejectPromise(options.abortError(options.signal?.reason));
          else resolvePromise({ result, exitCode: code, exitSignal: sig, pid: child.pid });
        });
      };
      const poll = () => {
        if (openStreams.size === 0 || Date.now() - started > 500) done();
        else setTimeout(poll, 10);
      };
      poll();
    });
  });
}
