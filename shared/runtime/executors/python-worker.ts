/**
 * Warm Python workers: a long-lived `python3 -m skydag_runner.warm` per interpreter and base
 * environment, started on the first Python try and kept while tries run (and `idleMs` after), that has
 * imported the runner and the airflow shim once and forks a fresh process per try. A cold runner spends
 * most of a short task starting the interpreter and importing the shim; a forked try starts in a few
 * milliseconds.
 *
 * A try stays what a cold start makes it (shared/python/skydag_runner/warm.py): its own process,
 * session and process group (stopped by signalling the group, as before), its own working directory
 * and whole environment, stdin on /dev/null, stdout+stderr and the RPC channel (fd 3) on connections to
 * a Unix socket of this process in a private folder, and nothing of earlier tries: each is forked from
 * a worker that never runs task code. The request goes to the try on its own channel, never through
 * the worker. Each try connects with a random token sent only in its own fork order, and the next
 * order is sent only after the previous fork, so no try's memory holds another's token.
 *
 * Used only where a cold start would run as this process's user (no SKYDAG_TASK_USER) with the
 * default interpreter; when the worker cannot start or the platform cannot fork, the caller falls
 * back to a cold start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One try forked by a worker. Events: 'pid' (pid), 'output' (socket), 'channel' (socket), 'exit' (code, signal), 'error' (error). */
export class WarmTry extends EventEmitter {
  pid: number | undefined;
  private pendingSignal: NodeJS.Signals | undefined;

  constructor(readonly token: string) {
    super();
  }

  /** Signals the try's process group (and the process itself, in case it has not called setsid yet). */
  kill(signal: NodeJS.Signals): void {
    if (this.pid === undefined) {
      this.pendingSignal = signal;
      return;
    }
    for (const target of [-this.pid, this.pid]) {
      try {
        process.kill(target, signal);
      } catch {
        // gone already
      }
    }
  }

  started(pid: number): void {
    this.pid = pid;
    this.emit('pid', pid);
    if (this.pendingSignal) this.kill(this.pendingSignal);
  }
}

export interface WarmTryOptions {
  cwd: string;
  /** The try's whole environment. */
  env: Record<string, string>;
}

interface Order {
  id: number;
  try: WarmTry;
  body: string;
}

/** The environment variables that differ between tries of one worker: anything else keys the worker. */
const PER_TRY = new Set(['PYTHONPATH', 'SKYDAG_DAGS_FOLDER']);

class PythonWorker {
  private readonly process: ChildProcess;
  private readonly server: Server;
  private readonly dir: string;
  private readonly socketPath: string;
  /** undefined until the worker said it is ready; then whether it can fork. */
  private canFork: boolean | undefined;
  private readonly readyWaiters: ((ok: boolean) => void)[] = [];
  private readonly tries = new Map<number, WarmTry>();
  private readonly byToken = new Map<string, { try: WarmTry; output?: Socket; channel?: Socket }>();
  private readonly queue: Order[] = [];
  private forking = false;
  private nextId = 0;
  private closed = false;
  private exited = false;
  private shutDown = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(python: string, shimDir: string, env: Record<string, string>, private readonly idleMs: number, private readonly onGone: () => void) {
    this.dir = mkdtempSync(join(tmpdir(), 'skydag-pyworker-')); // 0700: only this user can connect
    this.socketPath = join(this.dir, 'tries.sock');
    this.server = createServer((socket) => this.accept(socket));
    this.server.listen(this.socketPath);
    this.server.unref();
    this.process = spawn(python, ['-m', 'skydag_runner.warm'], {
      cwd: this.dir,
      env: { ...env, PYTHONPATH: shimDir },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.process.on('error', () => this.gone());
    this.process.once('exit', () => this.gone());
    this.process.stdin!.on('error', () => undefined);
    let buffer = '';
    this.process.stdout!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          this.receive(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a control message
        }
      }
    });
  }

  /** Resolves with whether tries can be forked (false when the worker could not start). */
  ready(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.canFork !== undefined) return Promise.resolve(this.canFork);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get busy(): boolean {
    return this.tries.size > 0;
  }

  start(options: WarmTryOptions): WarmTry {
    const token = randomBytes(32).toString('hex');
    const id = ++this.nextId;
    const warm = new WarmTry(token);
    this.tries.set(id, warm);
    this.byToken.set(token, { try: warm });
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.process.ref();
    (this.process.stdout as unknown as { ref?(): void } | null)?.ref?.();
    this.queue.push({ id, try: warm, body: JSON.stringify({ id, socket: this.socketPath, token, cwd: options.cwd, env: options.env }) });
    this.pump();
    return warm;
  }

  /** Whether it takes no more tries (closed, idle too long, or gone). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Takes no more tries; the worker exits once those it has end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.onGone();
    if (this.tries.size === 0) this.shutdown();
  }

  private shutdown(): void {
    if (this.shutDown) return;
    this.shutDown = true;
    this.process.stdin?.end();
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One order in flight at a time: a forked try's memory holds no later try's token. */
  private pump(): void {
    if (this.forking) return;
    const order = this.queue.shift();
    if (!order) return;
    this.forking = true;
    this.process.stdin!.write(`${order.body}\n`);
  }

  private receive(message: Record<string, unknown>): void {
    if (message.ready === true) {
      this.canFork = message.fork === true;
      for (const waiter of this.readyWaiters.splice(0)) waiter(this.canFork);
      if (this.tries.size === 0) this.idle(); // started and waited for: kept only while tries need it
      return;
    }
    const id = Number(message.id);
    const warm = this.tries.get(id);
    if (!warm) return;
    if (typeof message.pid === 'number' || typeof message.error === 'string') {
      this.forking = false;
      this.pump();
    }
    if (typeof message.pid === 'number') warm.started(message.pid);
    else if (typeof message.error === 'string') this.ended(id, warm, () => warm.emit('error', new Error(`the warm Python worker could not start the try: ${String(message.error)}`)));
    else if ('exit' in message) {
      const code = typeof message.exit === 'number' ? message.exit : null;
      const signal = typeof message.signal === 'string' ? (message.signal as NodeJS.Signals) : null;
      this.ended(id, warm, () => warm.emit('exit', code, signal));
    }
  }

  private ended(id: number, warm: WarmTry, emit: () => void): void {
    this.tries.delete(id);
    const entry = this.byToken.get(warm.token);
    this.byToken.delete(warm.token);
    // A try that died before connecting has no streams to wait for.
    if (entry && !entry.output) warm.emit('output', undefined);
    if (entry && !entry.channel) warm.emit('channel', undefined);
    emit();
    if (this.tries.size > 0) return;
    if (this.closed) this.shutdown();
    else this.idle();
  }

  /** A connection from a try: `out <token>` or `rpc <token> <pid>`, then the stream itself. */
  private accept(socket: Socket): void {
    let hello = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      hello = Buffer.concat([hello, chunk]);
      const nl = hello.indexOf(10);
      if (nl < 0) {
        if (hello.length > 200) socket.destroy();
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const [kind, token] = hello.subarray(0, nl).toString('latin1').split(' ');
      const entry = token ? this.byToken.get(token) : undefined;
      if (!entry || (kind !== 'out' && kind !== 'rpc') || (kind === 'out' ? entry.output : entry.channel)) {
        socket.destroy();
        return;
      }
      const rest = hello.subarray(nl + 1);
      if (rest.length > 0) socket.unshift(rest);
      if (kind === 'out') {
        entry.output = socket;
        entry.try.emit('output', socket);
      } else {
        entry.channel = socket;
        entry.try.emit('channel', socket);
      }
      if (entry.output && entry.channel) this.byToken.delete(token!); // a token serves once
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  }

  private idle(): void {
    this.process.unref();
    (this.process.stdout as unknown as { unref?(): void } | null)?.unref?.();
    (this.process.stdin as unknown as { unref?(): void } | null)?.unref?.();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.tries.size === 0) this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private gone(): void {
    if (this.exited) return;
    this.exited = true;
    this.closed = true;
    this.onGone();
    this.canFork ??= false;
    for (const waiter of this.readyWaiters.splice(0)) waiter(false);
    this.queue.length = 0;
    for (const [id, warm] of this.tries) {
      // Its exit status went with the worker: as a cold process whose exit was lost.
      this.ended(id, warm, () => (warm.pid === undefined ? warm.emit('error', new Error('the warm Python worker exited')) : warm.emit('exit', null, null)));
    }
    this.shutdown();
  }
}

export interface PythonWorkersOptions {
  /** How long an idle worker stays (default 60 s); it does not keep the process alive meanwhile. */
  idleMs?: number;
}

/** The warm workers of one process: one per interpreter, shim folder and base environment, started on first use. */
export class PythonWorkers {
  private readonly workers = new Map<string, PythonWorker>();
  private readonly idleMs: number;

  constructor(options: PythonWorkersOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
  }

  /**
   * Forks a try from the worker for `python` (an executable path) and `shimDir`, starting the worker
   * first if needed; undefined when no worker can fork (the caller starts the try cold).
   */
  async start(python: string, shimDir: string, options: WarmTryOptions): Promise<WarmTry | undefined> {
    const base = Object.fromEntries(Object.entries(options.env).filter(([name]) => !PER_TRY.has(name)));
    const key = JSON.stringify([python, shimDir, Object.entries(base).sort(([a], [b]) => (a < b ? -1 : 1))]);
    let worker = this.workers.get(key);
    if (!worker || worker.isClosed) {
      let created: PythonWorker | undefined = undefined;
      created = new PythonWorker(python, shimDir, base, this.idleMs, () => {
        if (this.workers.get(key) === created) this.workers.delete(key);
      });
      worker = created;
      this.workers.set(key, worker);
    }
    if (!(await worker.ready())) return undefined;
    return worker.start(options);
  }

  /** Stops every worker (tries already forked run on in their own groups). */
  close(): void {
    for (const worker of this.workers.values()) worker.close();
    this.workers.clear();
  }
}
