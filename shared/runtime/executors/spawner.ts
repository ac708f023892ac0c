/**
 * Starting task processes without blocking the event loop. `child_process.spawn` forks the calling
 * process synchronously, and forking a process of several hundred MB (a platform, or `dags test` of
 * a large DAG) took ~10 ms per task (40 ms on a loaded machine) with every other task and handler
 * waiting. A long-lived spawner — a small Node process started once — forks instead; the caller gets
 * the child's pid, output and exit over IPC. Process groups, credentials, environment and working
 * directory are exactly those asked for (the spawner passes them to its own spawn), and the caller
 * still signals the group itself by pid.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';

/** What a task executor needs of a started process (a subset of Node's ChildProcess). */
export interface SpawnedProcess {
  /** Set once the process started (the 'spawn' event); undefined if it could not start. */
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream & { destroy(): void };
  once(event: 'spawn', listener: () => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  once(event: 'exit' | 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

/** The options a spawner honours: stdout is a pipe, stdin and stderr are ignored. */
export type SpawnProcessOptions = Pick<SpawnOptions, 'cwd' | 'env' | 'detached' | 'uid' | 'gid'>;

/** Starts a process; its events are emitted asynchronously, so listeners attached right after the call see all of them. */
export type SpawnProcess = (file: string, args: readonly string[], options: SpawnProcessOptions) => SpawnedProcess;

/** Node's spawn, in this process. */
export const spawnDirect: SpawnProcess = (file, args, options) => spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'ignore'] }) as ChildProcess & SpawnedProcess;

/** The spawner process's program (plain JavaScript: it starts in ~40 ms and stays small). */
const SPAWNER_PROGRAM = `
import { spawn } from 'node:child_process';
// A callback, so a send that fails because the parent just went away (EPIPE) is dropped, not an uncaught error.
const send = (message) => { if (process.connected) process.send(message, () => undefined); };
process.on('message', ({ id, file, args, options }) => {
  let child;
  try {
    child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    send({ id, type: 'error', message: error.message, code: error.code });
    return;
  }
  child.once('spawn', () => send({ id, type: 'spawn', pid: child.pid }));
  child.once('error', (error) => send({ id, type: 'error', message: error.message, code: error.code }));
  child.stdout.on('data', (chunk) => send({ id, type: 'data', chunk }));
  child.once('exit', (code, signal) => send({ id, type: 'exit', code, signal }));
  child.once('close', (code, signal) => send({ id, type: 'close', code, signal }));
});
// Its parent is gone: nothing can read the output any more.
process.on('disconnect', () => process.exit(0));
`;

type SpawnerMessage =
  | { id: number; type: 'spawn'; pid: number }
  | { id: number; type: 'error'; message: string; code?: string }
  | { id: number; type: 'data'; chunk: Uint8Array }
  | { id: number; type: 'exit' | 'close'; code: number | null; signal: NodeJS.Signals | null };

class RemoteProcess extends EventEmitter implements SpawnedProcess {
  pid: number | undefined;
  readonly stdout = new PassThrough();

  receive(message: SpawnerMessage): void {
    switch (message.type) {
      case 'spawn':
        this.pid = message.pid;
        this.emit('spawn');
        return;
      case 'error':
        this.emit('error', Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
        return;
      case 'data':
        if (!this.stdout.destroyed) this.stdout.write(Buffer.from(message.chunk));
        return;
      case 'exit':
        this.emit('exit', message.code, message.signal);
        return;
      case 'close': {
        // As Node's 'close': after the output stream ended, so every chunk was read before it.
        const close = () => this.emit('close', message.code, message.signal);
        if (this.stdout.destroyed) close();
        else {
          this.stdout.once('close', close);
          this.stdout.end();
        }
        return;
      }
    }
  }
}

export interface ProcessSpawnerOptions {
  /** How long the spawner process stays once nothing it started is running (default 2000 ms). */
  idleMs?: number;
}

/**
 * One spawner process, started on first use and kept while processes it started are running (it does
 * not keep the parent alive otherwise), then for `idleMs` more: an idle one exits, so a long-lived
 * parent (a jest worker, a platform between runs) does not hold it, and the next spawn starts a new
 * one (~40 ms). If it dies, the next spawn starts a new one; the processes of the dead one end as
 * failed to start or with a lost exit (code null).
 */
export class ProcessSpawner {
  private spawner: ChildProcess | undefined;
  /** Processes not closed yet, with the spawner that started them (an exiting idle spawner fails only its own). */
  private readonly inFlight = new Map<number, { child: RemoteProcess; spawner: ChildProcess }>();
  private nextId = 0;
  private readonly idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: ProcessSpawnerOptions = {}) {
    this.idleMs = options.idleMs ?? 2000;
  }

  /** The spawner process's pid while it runs. */
  get pid(): number | undefined {
    return this.spawner?.connected ? this.spawner.pid : undefined;
  }

  readonly spawn: SpawnProcess = (file, args, options) => {
    const child = new RemoteProcess();
    const id = ++this.nextId;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const spawner = this.ensureSpawner();
    this.inFlight.set(id, { child, spawner });
    child.once('close', () => this.settled(id));
    child.once('error', () => this.settled(id));
    spawner.ref();
    (spawner.channel as { ref?(): void } | undefined)?.ref?.();
    const { cwd, env, detached, uid, gid } = options;
    spawner.send({ id, file, args, options: { cwd, env, detached, uid, gid } }, (error) => {
      if (error) child.receive({ id, type: 'error', message: `the process spawner is gone: ${error.message}` });
    });
    return child;
  };

  /** Stops the spawner (processes it started keep running in their own groups, as with a direct spawn). */
  close(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.spawner?.connected) this.spawner.disconnect();
    this.spawner = undefined;
  }

  /**
   * Starts the spawner ahead of the first spawn, which then does not wait for it (a Node start, ~0.1 s:
   * a good part of a short `dags test`). Like an idle one, it does not keep the parent alive and exits
   * after `idleMs` without a spawn.
   */
  prewarm(): void {
    if (this.spawner?.connected) return;
    this.ensureSpawner();
    if (this.inFlight.size === 0) this.idle();
  }

  private settled(id: number): void {
    this.inFlight.delete(id);
    if (this.inFlight.size === 0) this.idle();
  }

  private idle(): void {
    if (this.spawner) {
      this.spawner.unref();
      (this.spawner.channel as { unref?(): void } | undefined)?.unref?.();
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.inFlight.size === 0) this.close();
      }, this.idleMs);
      this.idleTimer.unref();
    }
  }

  private ensureSpawner(): ChildProcess {
    if (this.spawner?.connected) return this.spawner;
    const spawner = spawn(process.execPath, ['--input-type=module', '--eval', SPAWNER_PROGRAM], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced', // output chunks travel as bytes
      env: { PATH: process.env.PATH ?? '' },
    });
    spawner.on('message', (message: SpawnerMessage) => this.inFlight.get(message.id)?.child.receive(message));
    spawner.once('exit', () => {
      if (this.spawner === spawner) this.spawner = undefined;
      // Only what this spawner started: after an idle exit, the next spawn already went to a new one.
      for (const [id, { child, spawner: owner }] of this.inFlight) {
        if (owner !== spawner) continue;
        child.receive(child.pid === undefined ? { id, type: 'error', message: 'the process spawner exited' } : { id, type: 'close', code: null, signal: null });
      }
    });
    this.spawner = spawner;
    return spawner;
  }
}
