/**
 * Starting task processes without blocking the event loop. `child_process.spawn` forks the calling
 * process synchronously, and forking a process of several hundred MB (a platform, or `dags test` of
 * a large DAG) took ~10 ms per task (40 ms on a loaded machine) with every other task and handler
 * waiting. A long-lived spawner — a small Node process started once — forks instead; the caller gets
 * the child's pid, output and exit over IPC. Process groups, credentials, environment and working
 * directory are exactly those asked for (the spawner passes them to its own spawn), and the caller
 * still signals the group itself by pid.
 *
 * On Linux the spawner also gives its processes exactly Airflow's stdio (`Popen(stderr=STDOUT,
 * close_fds=True)`): it closes, once at its start, the descriptors it inherited without close-on-exec
 * (leaked to the platform by whatever started it; Node's own are close-on-exec), and with `mergeStderr`
 * hands the process one socket as both stdout and stderr. A command then runs as itself (`bash -c
 * <command>`) where elsewhere a first shell has to set that up (bash.ts): one process per task less.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
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
export interface SpawnProcessOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'detached' | 'uid' | 'gid'> {
  /** stderr is the stdout descriptor itself (`2>&1`: one stream, in the order written). Only where the spawn has `exactStdio`. */
  mergeStderr?: boolean;
}

/** Starts a process; its events are emitted asynchronously, so listeners attached right after the call see all of them. */
export type SpawnProcess = ((file: string, args: readonly string[], options: SpawnProcessOptions) => SpawnedProcess) & {
  /** The processes it starts inherit no descriptor above stderr, and it honours `mergeStderr`. */
  readonly exactStdio?: boolean;
};

/** Node's spawn, in this process. */
export const spawnDirect: SpawnProcess = (file, args, options) => {
  if (options.mergeStderr) throw new Error('spawnDirect cannot merge stderr into stdout');
  return spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'ignore'] }) as ChildProcess & SpawnedProcess;
};

/** The spawner process's program (plain JavaScript: it starts in ~40 ms and stays small). */
const SPAWNER_PROGRAM = `
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
// A callback, so a send that fails because the parent just went away (EPIPE) is dropped, not an uncaught error.
const send = (message) => { if (process.connected) process.send(message, () => undefined); };

// Descriptors inherited without close-on-exec would reach every task (Airflow's Popen closes them):
// close them now. Everything Node opens is close-on-exec, and the IPC channel is kept in any case.
const O_CLOEXEC = 0o2000000;
const channel = Number(process.env.NODE_CHANNEL_FD);
for (const name of process.platform === 'linux' ? readdirSync('/proc/self/fd') : []) {
  const fd = Number(name);
  if (!(fd > 2) || fd === channel) continue;
  try {
    const flags = /^flags:\\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'));
    if (flags && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) closeSync(fd);
  } catch {} // the listing's own descriptor, gone by now
}

// Connected socket pairs for merged stdout+stderr, from a listener in the abstract namespace (no file).
// Pairs are made one at a time; the connecting side proves itself with a fresh token (an abstract
// socket has no permissions: another local process could connect, but not with the token).
let listening;
let expected; // { token, resolve } of the pair being made
const listener = () => listening ??= new Promise((resolve, reject) => {
  const server = createServer((peer) => {
    let got = Buffer.alloc(0);
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 16) return;
      peer.off('data', onData);
      peer.pause();
      const pending = expected;
      if (pending && got.length === 16 && timingSafeEqual(got, pending.token)) {
        expected = undefined;
        pending.resolve(peer);
      } else peer.destroy();
    };
    peer.on('data', onData);
    peer.on('error', () => undefined);
  });
  const address = '\\0skydag-spawner-' + process.pid + '-' + randomBytes(8).toString('hex');
  server.once('error', reject);
  server.listen(address, () => { server.unref(); resolve(address); });
});
let pairs = Promise.resolve();
const makePair = () => {
  const made = pairs.then(async () => {
    const address = await listener();
    const token = randomBytes(16);
    const client = connect(address);
    const peer = new Promise((resolve, reject) => {
      expected = { token, resolve };
      client.once('error', reject);
      client.write(token);
    });
    try {
      return [client, await peer];
    } catch (error) {
      expected = undefined;
      client.destroy();
      throw error;
    }
  });
  pairs = made.then(() => undefined, () => undefined);
  return made;
};
// One pair is kept made ahead, so a process does not wait for its own (a few turns of the event loop).
let ready;
const socketPair = () => {
  const next = ready ?? makePair();
  const ahead = makePair();
  ready = ahead;
  ahead.catch(() => { if (ready === ahead) ready = undefined; });
  return next;
};

function start(id, file, args, options, stdio, output) {
  let child;
  try {
    child = spawn(file, args, { ...options, stdio });
  } catch (error) {
    send({ id, type: 'error', message: error.message, code: error.code });
    return undefined;
  }
  const out = output(child);
  child.once('spawn', () => send({ id, type: 'spawn', pid: child.pid }));
  child.once('error', (error) => { out.destroy(); send({ id, type: 'error', message: error.message, code: error.code }); });
  out.on('data', (chunk) => send({ id, type: 'data', chunk }));
  // 'close' as Node's: after the exit and the end of the output (descendants may hold it open longer).
  const ended = new Promise((resolve) => out.once('close', resolve));
  child.once('exit', (code, signal) => {
    send({ id, type: 'exit', code, signal });
    ended.then(() => send({ id, type: 'close', code, signal }));
  });
  out.resume();
  return child;
}

process.on('message', ({ id, file, args, options }) => {
  const { mergeStderr, ...spawnOptions } = options;
  if (!mergeStderr) {
    start(id, file, args, spawnOptions, ['ignore', 'pipe', 'ignore'], (child) => child.stdout);
    return;
  }
  socketPair().then(
    ([client, peer]) => {
      // One socket as fd 1 and 2; this process's copy is closed at once, so the output ends when the process and its descendants close theirs.
      const child = start(id, file, args, spawnOptions, ['ignore', client, client], () => peer);
      client.destroy();
      if (!child) peer.destroy();
    },
    (error) => send({ id, type: 'error', message: 'no output channel for the process: ' + error.message, code: error.code }),
  );
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

/** Where the spawner can close its inherited descriptors (it reads their flags in /proc) and merge stderr. */
const EXACT_STDIO = process.platform === 'linux' && existsSync('/proc/self/fdinfo');

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

  readonly spawn: SpawnProcess = Object.assign((file: string, args: readonly string[], options: SpawnProcessOptions) => this.start(file, args, options), {
    exactStdio: EXACT_STDIO,
  });

  private start(file: string, args: readonly string[], options: SpawnProcessOptions): SpawnedProcess {
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
    const { cwd, env, detached, uid, gid, mergeStderr } = options;
    if (mergeStderr && !EXACT_STDIO) throw new Error('this platform\'s spawner cannot merge stderr into stdout');
    spawner.send({ id, file, args, options: { cwd, env, detached, uid, gid, mergeStderr } }, (error) => {
      if (error) child.receive({ id, type: 'error', message: `the process spawner is gone: ${error.message}` });
    });
    return child;
  }

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
