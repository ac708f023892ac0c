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
 *
 * With `warm`, the task runner is forked from a warm worker (python-worker.ts) instead of spawned:
 * the same process properties, with stdout+stderr on one connection and the request as the first
 * line on fd 3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex, Readable } from 'node:stream';
import { signalGroup } from './process-group.js';
import type { PythonWorkers, WarmTry } from './python-worker.js';
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
  /**
   * Fork the task runner (`-m skydag_runner`, whatever `args` say) from these warm workers
   * (python-worker.ts), whose shim folder is `shimDir`; a cold start when absent, when the process
   * runs as another user, or when no worker can fork.
   */
  warm?: { workers: PythonWorkers; shimDir: string };
}

export interface PythonProcessResult {
  /** The `{"op": "result"}` message, or null when the process ended without sending one. */
  result: RunnerMessage | null;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  pid: number | undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A started runner process, cold (spawned here) or forked by a warm worker: what runPythonProcess needs of either. */
interface RunnerProcess {
  /** Output streams and the RPC channel are announced through these (undefined: none is coming). */
  onOutput(listener: (stream: Readable | undefined) => void): void;
  onChannel(listener: (channel: Duplex | undefined) => void): void;
  onPid(listener: (pid: number) => void): void;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  onError(listener: (error: NodeJS.ErrnoException) => void): void;
  /** Hands the request to the process (cold: on stdin; warm: first line on the channel). */
  sendRequest(text: string, channel: Duplex | undefined): void;
  /** Signals the process group. */
  kill(signal: NodeJS.Signals): void;
  /** How many output streams to expect (cold: stdout and stderr; warm: one for both). */
  readonly outputs: number;
  readonly pid: number | undefined;
}

function coldProcess(child: ChildProcess): RunnerProcess {
  return {
    outputs: 2,
    get pid() {
      return child.pid;
    },
    onOutput: (listener) => {
      listener(child.stdout ?? undefined);
      listener(child.stderr ?? undefined);
    },
    onChannel: (listener) => listener((child.stdio[3] as Duplex | null | undefined) ?? undefined),
    onPid: (listener) => {
      if (child.pid !== undefined) listener(child.pid);
    },
    onExit: (listener) => child.on('exit', listener),
    onError: (listener) => child.on('error', listener),
    sendRequest: (text) => {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(text);
    },
    kill: (sig) => {
      if (child.pid !== undefined) signalGroup(child.pid, sig);
    },
  };
}

function warmProcess(warm: WarmTry): RunnerProcess {
  return {
    outputs: 1,
    get pid() {
      return warm.pid;
    },
    onOutput: (listener) => warm.once('output', listener),
    onChannel: (listener) => warm.once('channel', listener),
    onPid: (listener) => (warm.pid !== undefined ? listener(warm.pid) : warm.once('pid', listener)),
    onExit: (listener) => warm.once('exit', listener),
    onError: (listener) => warm.once('error', listener),
    sendRequest: (text, channel) => {
      if (channel && !channel.destroyed) channel.write(text);
    },
    kill: (sig) => warm.kill(sig),
  };
}

/** Starts the process: forked by the warm worker when one serves this interpreter, else spawned here. */
async function startProcess(options: PythonProcessOptions, python: string): Promise<RunnerProcess> {
  const coldOnly = options.credentials?.uid !== undefined || options.credentials?.gid !== undefined;
  if (options.warm && !coldOnly) {
    const warm = await options.warm.workers.start(python, options.warm.shimDir, { cwd: options.cwd, env: options.env });
    if (warm) return warmProcess(warm);
  }
  // Started through bash, which closes every inherited descriptor but stdio and the RPC channel (fd 3).
  const launch = taskCommand(python, options.args, { keep: 3 });
  try {
    return coldProcess(
      spawn(launch.file, launch.args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
        ...options.credentials,
      }),
    );
  } catch (err) {
    throw new TaskNotRunnableError(`cannot start ${options.python}: ${errorText(err)}`);
  }
}

/** Spawns the process and resolves when it has exited (or rejects on abort / missing interpreter). */
export async function runPythonProcess(options: PythonProcessOptions): Promise<PythonProcessResult> {
  const grace = options.killGraceMs ?? 3000;
  if (options.signal?.aborted) throw options.abortError(options.signal.reason);
  const python = findExecutable(options.python, options.env.PATH);
  if (!python) throw new TaskNotRunnableError(options.notFoundMessage ?? `${options.python} not found; install Python 3 or set SKYDAG_PYTHON`);
  const child = await startProcess(options, python);
  return new Promise<PythonProcessResult>((resolvePromise, rejectPromise) => {
    let untrack: (() => void) | undefined;
    // The try's code runs once it has its request, which is sent only after its process is recorded:
    // a warm try's pid comes from its worker, possibly after the try connected.
    let recorded = false;
    let sendWhenRecorded: (() => void) | undefined;
    child.onPid((pid) => {
      untrack = options.trackProcess?.track(pid);
      recorded = true;
      sendWhenRecorded?.();
      sendWhenRecorded = undefined;
    });
    const sendRequest = (channel: Duplex | undefined) => {
      const send = () => child.sendRequest(request, channel);
      if (recorded) send();
      else sendWhenRecorded = send;
    };
    let result: RunnerMessage | null = null;
    let settled = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let channel: Duplex | undefined;
    // Streams not closed yet, counted from the start: a warm try's connections arrive later.
    let openStreams = child.outputs + 1;
    const streamEnded = (stream: NodeJS.EventEmitter) => {
      let counted = false;
      const done = () => {
        if (counted) return;
        counted = true;
        openStreams--;
      };
      stream.on('close', done);
      stream.on('error', done);
      stream.on('end', done);
    };

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
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), grace);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.onError((err) => {
      finish(() => {
        if (err.code === 'ENOENT') {
          rejectPromise(new TaskNotRunnableError(options.notFoundMessage ?? `${options.python} not found; install Python 3 or set SKYDAG_PYTHON`));
        } else {
          rejectPromise(new TaskNotRunnableError(`cannot run ${options.python}: ${err.message}`));
        }
      });
    });

    const outputs: Readable[] = [];
    child.onOutput((stream) => {
      if (!stream) {
        openStreams--;
        return;
      }
      outputs.push(stream);
      streamEnded(stream);
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => options.log.write(chunk));
      stream.resume(); // a warm try's connection waits paused until it is read
    });

    const request = `${JSON.stringify(options.input)}\n`;
    child.onChannel((rpc) => {
      channel = rpc;
      if (!rpc) {
        openStreams--;
        sendRequest(undefined);
        return;
      }
      let buffer = '';
      streamEnded(rpc);
      rpc.setEncoding('utf8');
      rpc.on('data', (chunk: string) => {
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
            if (!rpc.destroyed && rpc.writable) rpc.write(`${JSON.stringify(reply)}\n`);
          });
        }
      });
      rpc.resume();
      sendRequest(rpc);
    });

    child.onExit((code, sig) => {
      // Let buffered output drain (a background process still holding the pipes must not stall us).
      const started = Date.now();
      const done = () => {
        child.kill('SIGKILL');
        for (const stream of outputs) stream.destroy();
        if (channel && !channel.destroyed) channel.destroy();
        finish(() => {
          if (aborted) rejectPromise(options.abortError(options.signal?.reason));
          else resolvePromise({ result, exitCode: code, exitSignal: sig, pid: child.pid });
        });
      };
      const poll = () => {
        if (openStreams <= 0 || Date.now() - started > 500) done();
        else setTimeout(poll, 10);
      };
      poll();
    });
  });
}
