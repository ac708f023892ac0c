/**
 * Bounded DAG file loading: every DAG file a server or the CLI reads goes through here. The
 * front-end (parse, validate, optionally compile) runs in a worker thread with a heap limit and a
 * wall-clock timeout, so a hostile file can neither freeze the caller's event loop nor exhaust its
 * memory: the worker is terminated and the file gets an import error (SKYDAG-P007) naming it. The
 * evaluator's own budgets (python/budget.ts, YAML_LIMITS) stop the usual bombs first, with the line
 * (SKYDAG-P006); the worker is the backstop for anything they miss, parser included.
 *
 * Workers are kept warm and reused (at most `workers` at once, one file each), so normal files pay
 * only the message round trip. Idle workers do not keep the process alive, and stop after two
 * minutes without work.
 *
 * The worker entry is a plain module beside this one (bounded-worker.ts); when this file runs from
 * TypeScript sources (tsx, jest) the worker loads them through tsx too (see workerEntry).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CompiledDag } from '../compiler/compile.js';
import { DiagnosticCode } from '../model/diagnostics.js';
import type { Diagnostic } from '../model/schema.js';
import type { ParseRequest, ParseResponse } from './bounded-protocol.js';
import type { FrontendOptions, LoadedDagFile } from './index.js';
import { parseEnvironmentFromEnv } from './parse-env.js';
import { handedOver } from './types.js';

export interface ParseLimits {
  /** Wall-clock time one file may take, parse to result ($SKYDAG_PARSE_TIMEOUT_MS). */
  timeoutMs: number;
  /** Heap (V8 old generation) of one parse worker ($SKYDAG_PARSE_MEMORY_MB). */
  memoryMb: number;
  /** Workers that may parse at the same time ($SKYDAG_PARSE_WORKERS). */
  workers: number;
}

/** Airflow's dagbag_import_timeout is 30 s too. */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({ timeoutMs: 30_000, memoryMb: 512, workers: 2 });

const LIMIT_ENV: Record<keyof ParseLimits, string> = {
  timeoutMs: 'SKYDAG_PARSE_TIMEOUT_MS',
  memoryMb: 'SKYDAG_PARSE_MEMORY_MB',
  workers: 'SKYDAG_PARSE_WORKERS',
};

/** The limits configured in the environment, defaults for the rest; a malformed value is an error. */
export function parseLimitsFromEnv(env: Record<string, string | undefined> = process.env): ParseLimits {
  const limits = { ...DEFAULT_PARSE_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof ParseLimits)[]) {
    const text = env[LIMIT_ENV[key]];
    if (text === undefined || text.trim() === '') continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${LIMIT_ENV[key]} must be a positive integer (got '${text}')`);
    limits[key] = value;
  }
  return limits;
}

export interface BoundedLoadOptions extends FrontendOptions {
  /** Also compile every DAG of a file without errors, inside the worker. */
  compile?: boolean;
}

export interface BoundedLoadResult extends LoadedDagFile {
  /** With `compile`: one per DAG, in the order of `dags`. */
  compiled?: CompiledDag[];
}

/** What reads DAG files for a server or the CLI: the bounded loader, or a stand-in in tests. */
export interface DagFileLoader {
  load(source: string, options: BoundedLoadOptions): Promise<BoundedLoadResult>;
}

function moduleFile(): string {
  // jest runs this file as CommonJS (where __filename exists); tsx/node run it as ESM.
  if (typeof __filename === 'string') return __filename;
  return fileURLToPath(import.meta.url);
}

/**
 * How to start a parse worker: the compiled entry beside this module or, when this module runs from
 * TypeScript sources (tsx, jest), a two-line bootstrap that registers tsx's CommonJS hook in the
 * worker thread and requires the TypeScript entry. (Node 20 does not apply ESM loader hooks, from
 * `--import` or `module.register`, to a worker's entry; the CommonJS hook works, and Node 20.19+
 * can require the ESM-only dependencies.)
 */
function workerEntry(): { entry: string; eval: boolean } {
  const self = moduleFile();
  if (!self.endsWith('.ts')) return { entry: join(dirname(self), 'bounded-worker.js'), eval: false };
  const tsx = createRequire(self).resolve('tsx/cjs/api');
  const entry = join(dirname(self), 'bounded-worker.ts');
  return { entry: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});`, eval: true };
}

const fmt = (n: number) => n.toLocaleString('en-US');

function failure(file: string, message: string, hint: string): BoundedLoadResult {
  const diagnostic: Diagnostic = { file, line: 1, col: 1, code: DiagnosticCode.PARSE_ABORTED, severity: 'error', message, hint };
  return { file, dags: [], diagnostics: [diagnostic] };
}

interface Job {
  request: ParseRequest;
  done: (result: BoundedLoadResult) => void;
  timer?: NodeJS.Timeout;
}

/** One worker thread; `gone` once it exited (limits, crash or close) and must not be reused. */
class ParseWorker {
  private readonly worker: Worker;
  readonly ready: Promise<string | null>;
  gone = false;
  private job: Job | undefined;

  constructor(private readonly limits: ParseLimits) {
    const { entry, eval: isCode } = workerEntry();
    this.worker = new Worker(entry, {
      eval: isCode,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.min(64, Math.floor(limits.memoryMb / 8))) },
    });
    this.ready = new Promise((resolve) => {
      const onMessage = (m: unknown) => {
        if ((m as { ready?: boolean }).ready) {
          this.worker.off('message', onMessage);
          this.worker.on('message', (r: ParseResponse) => this.answered(r));
          resolve(null);
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (err: Error & { code?: string }) => {
        resolve(`the parse worker could not start (${err.message})`);
        this.ended(err);
      });
    });
    this.worker.on('error', (err: Error & { code?: string }) => this.ended(err));
    this.worker.on('exit', () => this.ended(null));
  }

  run(request: ParseRequest): Promise<BoundedLoadResult> {
    return new Promise((done) => {
      if (this.gone) return done(failure(request.file, 'the parse worker stopped before reading this file', 'try again; if it persists, report it as a skydag bug'));
      const job: Job = { request, done };
      job.timer = setTimeout(() => {
        this.settle(
          failure(
            request.file,
            `reading this file took longer than ${fmt(this.limits.timeoutMs)} ms and was stopped`,
            'a DAG file must load quickly; look for unbounded work at import time (the limit is SKYDAG_PARSE_TIMEOUT_MS)',
          ),
        );
        void this.terminate();
      }, this.limits.timeoutMs);
      this.job = job;
      this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  terminate(): Promise<number> {
    this.gone = true;
    return this.worker.terminate();
  }

  private answered(response: ParseResponse): void {
    const job = this.job;
    if (!job || job.request.id !== response.id) return;
    if (response.ok) this.settle({ ...response.loaded, ...(response.compiled ? { compiled: response.compiled } : {}) });
    else this.settle(failure(job.request.file, `skydag could not read this file (${response.message})`, 'if the file is valid, please report it as a skydag bug'));
  }

  /** The worker died: its job (if any) gets an import error saying which limit stopped it. */
  private ended(err: (Error & { code?: string }) | null): void {
    this.gone = true;
    const job = this.job;
    if (!job) return;
    if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      this.settle(
        failure(
          job.request.file,
          `reading this file needed more than ${fmt(this.limits.memoryMb)} MB of memory and was stopped`,
          'a DAG file must not build huge values at import time (the limit is SKYDAG_PARSE_MEMORY_MB)',
        ),
      );
    } else {
      this.settle(failure(job.request.file, `the parse worker stopped while reading this file (${err?.message ?? 'it exited'})`, 'if the file is valid, please report it as a skydag bug'));
    }
  }

  private settle(result: BoundedLoadResult): void {
    const job = this.job;
    if (!job) return;
    this.job = undefined;
    clearTimeout(job.timer);
    if (!this.gone) this.worker.unref();
    job.done(result);
  }
}

/** How long a worker stays warm without work before it is stopped (a platform rescans every 30 s). */
const IDLE_MS = 120_000;

export interface LoaderOptions {
  /** Idle time after which a warm worker is stopped (default two minutes). */
  idleMs?: number;
  /** The parse environment DAG files read (default: SKYDAG_PARSE_ENV's variables from this process, parse-env.ts). */
  env?: Readonly<Record<string, string>>;
}

/** A pool of warm parse workers enforcing {@link ParseLimits}. */
export class BoundedDagLoader implements DagFileLoader {
  readonly limits: ParseLimits;
  /** Idle workers, each with the timer that stops it if it stays idle. */
  private readonly idle = new Map<ParseWorker, NodeJS.Timeout>();
  private readonly waiting: ((worker: ParseWorker | null) => void)[] = [];
  /** Workers reading a file or starting (idle ones are not counted): at most `limits.workers` with the idle ones. */
  private busy = 0;
  private nextId = 1;
  private closed = false;

  private readonly idleMs: number;
  private readonly env: Readonly<Record<string, string>>;

  constructor(limits: Partial<ParseLimits> = {}, options: LoaderOptions = {}) {
    this.limits = { ...DEFAULT_PARSE_LIMITS, ...limits };
    this.idleMs = options.idleMs ?? IDLE_MS;
    this.env = options.env ?? parseEnvironmentFromEnv();
  }

  /** Workers reading a file (or starting) and warm ones waiting for work. */
  get workers(): { busy: number; idle: number } {
    return { busy: this.busy, idle: this.idle.size };
  }

  async load(source: string, options: BoundedLoadOptions): Promise<BoundedLoadResult> {
    if (this.closed) throw new Error('the DAG file loader is closed');
    const acquired = await this.acquire();
    if (typeof acquired === 'string') return failure(options.file, acquired, 'check that skydag is installed completely (node_modules)');
    try {
      return await acquired.run({ id: this.nextId++, source, file: options.file, now: options.now, env: options.env ?? this.env, ...handedOver(options), compile: options.compile ?? false });
    } finally {
      this.release(acquired);
    }
  }

  /** Stops every worker (files being read get an import error). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake(null);
    const idle = [...this.idle.keys()];
    for (const worker of idle) this.retire(worker);
    await Promise.all(idle.map((w) => w.terminate()));
  }

  private async acquire(): Promise<ParseWorker | string> {
    for (;;) {
      const [idle] = this.idle.keys();
      if (idle) {
        this.retire(idle);
        if (!idle.gone) {
          this.busy += 1;
          return idle;
        }
        continue;
      }
      if (this.busy < this.limits.workers) {
        this.busy += 1;
        const worker = new ParseWorker(this.limits);
        const problem = await worker.ready;
        if (problem === null) return worker;
        this.busy -= 1;
        return problem;
      }
      const handed = await new Promise<ParseWorker | null>((wake) => this.waiting.push(wake));
      if (handed) return handed;
      if (this.closed) return 'the DAG file loader was closed';
    }
  }

  private release(worker: ParseWorker): void {
    if (worker.gone) {
      this.busy -= 1;
      this.waiting.shift()?.(null); // a waiter may now start a fresh worker
      return;
    }
    if (this.closed) {
      this.busy -= 1;
      void worker.terminate();
      return;
    }
    const next = this.waiting.shift();
    if (next) return next(worker);
    this.busy -= 1;
    const timer = setTimeout(() => {
      this.retire(worker);
      void worker.terminate();
    }, this.idleMs);
    timer.unref();
    this.idle.set(worker, timer);
  }

  /** Takes a worker off the idle list. */
  private retire(worker: ParseWorker): void {
    clearTimeout(this.idle.get(worker));
    this.idle.delete(worker);
  }
}

let shared: BoundedDagLoader | undefined;

/** The process-wide loader, with limits from the environment (created on first use). */
export function sharedDagFileLoader(): BoundedDagLoader {
  shared ??= new BoundedDagLoader(parseLimitsFromEnv());
  return shared;
}

/** Reads a DAG file through the process-wide bounded loader. */
export function loadDagFileBounded(source: string, options: BoundedLoadOptions): Promise<BoundedLoadResult> {
  return sharedDagFileLoader().load(source, options);
}
