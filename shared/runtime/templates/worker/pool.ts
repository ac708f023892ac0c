/**
 * Worker threads that render templates off the server's event loop. A job runs in a worker with a
 * memory cap (`resourceLimits`); the worker enforces the job's budget itself, and the pool terminates
 * it when the job outlives its time limit by a grace period (a single long operation the budget cannot
 * interrupt) or when it runs out of memory, failing the job with SKYDAG-T005. Workers start on first
 * use, render one job at a time, and stop after being idle for a while.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { PyValue } from '../../../model/schema.js';
import { TemplateBudgetError, type BudgetDimension, type TemplateLimits } from '../budget.js';
import { TemplateError } from '../errors.js';
import { slimJob, type ContextAccessors, type RenderJob } from '../render-job.js';
import { deserializeError, serializeError, type AccessorCall, type AccessorReply, type RenderRequest, type WorkerInit, type WorkerMessage } from './protocol.js';

export interface TemplateWorkerPoolOptions {
  /** Workers rendering at the same time; more jobs wait their turn. @default 2 */
  size?: number;
  /** A worker idle this long is stopped. @default 30000 */
  idleMs?: number;
  /** How long past a job's `timeoutMs` its worker may run before it is terminated. @default 2000 */
  graceMs?: number;
  /** How long a worker may take to start. @default 60000 */
  startupMs?: number;
}

interface Pending {
  job: RenderJob;
  accessors: ContextAccessors;
  limits: TemplateLimits;
  resolve: (value: Record<string, PyValue>) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker | null;
  ready: Promise<void> | null;
  rpcPort: MessagePort | null;
  rpcSignal: Int32Array | null;
  current: Pending | null;
  jobId: number;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

function moduleFile(): string {
  // jest runs this file as CommonJS (where __filename exists); tsx/node run it as ESM.
  if (typeof __filename === 'string') return __filename;
  return fileURLToPath(import.meta.url);
}

/** The worker's script: the module itself when built to JavaScript, else the tsx bootstrap. */
function workerScript(): { file: string; entry?: string } {
  const self = moduleFile();
  const dir = dirname(self);
  if (self.endsWith('.ts')) return { file: join(dir, 'bootstrap.mjs'), entry: pathToFileURL(join(dir, 'render-worker.ts')).href };
  const file = join(dir, 'render-worker.js');
  if (!existsSync(file)) throw new Error(`the template render worker ${file} is missing: ship it next to ${self}`);
  return { file };
}

/** Heap for a worker: room for the text budget (two bytes a character, twice over) plus the engine. */
function heapMb(limits: TemplateLimits): number {
  return 128 + Math.ceil((limits.maxOutputChars * 4) / (1024 * 1024));
}

/** The error a job fails with when its worker had to be stopped. */
function stoppedError(job: RenderJob, dimension: BudgetDimension, limits: TemplateLimits, reason: string): TemplateError {
  const cause = new TemplateBudgetError(dimension, limits, reason);
  return new TemplateError({ kind: 'budget', template: '', detail: cause.detail, pyType: cause.pyType, taskId: job.task.task_id, cause });
}

export class TemplateWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private readonly idleMs: number;
  private readonly graceMs: number;
  private readonly startupMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: TemplateWorkerPoolOptions = {}) {
    this.slots = Array.from({ length: Math.max(1, options.size ?? 2) }, () => ({ worker: null, ready: null, rpcPort: null, rpcSignal: null, current: null, jobId: 0, timer: undefined, idleTimer: undefined }));
    this.idleMs = options.idleMs ?? 30_000;
    this.graceMs = options.graceMs ?? 2_000;
    this.startupMs = options.startupMs ?? 60_000;
  }

  /** Renders `job` in a worker under `limits`; rejects with a TemplateError (or the job's own error). */
  run(job: RenderJob, accessors: ContextAccessors, limits: TemplateLimits): Promise<Record<string, PyValue>> {
    if (this.closed) return Promise.reject(new Error('the template worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, accessors, limits, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; jobs still running or waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the template worker pool was closed'));
    await Promise.all(this.slots.map((slot) => this.stop(slot, new Error('the template worker pool was closed'))));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current === null) void this.start(slot, this.queue.shift() as Pending);
    }
  }

  private async start(slot: Slot, pending: Pending): Promise<void> {
    slot.current = pending;
    clearTimeout(slot.idleTimer);
    try {
      await this.ensureWorker(slot, pending.limits);
    } catch (err) {
      this.settle(slot, () => pending.reject(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    const worker = slot.worker as Worker;
    // A worker keeps the process alive while it renders (a CLI awaits the result), not while idle.
    worker.ref();
    slot.jobId = this.nextId++;
    const limit = pending.limits.timeoutMs + this.graceMs;
    slot.timer = setTimeout(() => {
      const error = stoppedError(pending.job, 'time', pending.limits, `the renderer was stopped after ${limit.toLocaleString('en-US')} ms`);
      void this.stop(slot, error);
    }, limit);
    slot.timer.unref();
    worker.postMessage({ type: 'render', id: slot.jobId, job: slimJob(pending.job), limits: pending.limits } satisfies RenderRequest);
  }

  private ensureWorker(slot: Slot, limits: TemplateLimits): Promise<void> {
    if (slot.worker !== null && slot.ready !== null) return slot.ready;
    const { port1, port2 } = new MessageChannel();
    const rpcSignal = new SharedArrayBuffer(4);
    const script = workerScript();
    const init: WorkerInit = { rpcPort: port2, rpcSignal, ...(script.entry ? { entry: script.entry } : {}) };
    const worker = new Worker(script.file, { workerData: init, transferList: [port2], resourceLimits: { maxOldGenerationSizeMb: heapMb(limits) } });
    slot.worker = worker;
    slot.rpcPort = port1;
    slot.rpcSignal = new Int32Array(rpcSignal);
    port1.on('message', (call: AccessorCall) => this.answer(slot, call));
    slot.ready = new Promise<void>((resolve, reject) => {
      const startup = setTimeout(() => reject(new Error(`the template render worker did not start within ${this.startupMs} ms`)), this.startupMs);
      startup.unref();
      worker.once('message', () => {
        clearTimeout(startup);
        resolve();
      });
      worker.once('error', (err) => {
        clearTimeout(startup);
        reject(err);
      });
    });
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, worker, message));
    worker.on('error', (err: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      const pending = slot.current;
      this.detach(slot);
      if (pending === null) return;
      const error =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? stoppedError(pending.job, 'memory', pending.limits, `the renderer ran out of its ${heapMb(pending.limits)} MB heap`) : new Error(`the template render worker failed: ${err.message}`);
      this.settle(slot, () => pending.reject(error));
    });
    worker.on('exit', () => {
      if (slot.worker !== worker) return;
      const pending = slot.current;
      this.detach(slot);
      if (pending !== null) this.settle(slot, () => pending.reject(new Error('the template render worker exited')));
    });
    // The worker keeps the process alive while it has a job (see `settle`); the port never does
    // (adding a message listener refs it, so unref after that).
    port1.unref();
    return slot.ready;
  }

  /** Answers an accessor call of the worker's current job, then wakes the (blocked) worker. */
  private answer(slot: Slot, call: AccessorCall): void {
    const port = slot.rpcPort;
    const signal = slot.rpcSignal;
    if (port === null || signal === null) return;
    let reply: AccessorReply;
    try {
      const accessor = slot.current?.accessors[call.accessor] as ((...args: unknown[]) => unknown) | undefined;
      if (accessor === undefined) throw new Error(`no ${call.accessor} accessor for this render`);
      reply = { ok: true, value: accessor(...call.args) };
      port.postMessage(reply);
    } catch (err) {
      port.postMessage({ ok: false, error: serializeError(err) } satisfies AccessorReply);
    }
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }

  private onMessage(slot: Slot, worker: Worker, message: WorkerMessage): void {
    if (message.type !== 'done' || slot.worker !== worker || message.id !== slot.jobId) return;
    const pending = slot.current;
    if (pending === null) return;
    this.settle(slot, () => (message.ok ? pending.resolve(message.value) : pending.reject(deserializeError(message.error))));
  }

  /** Ends the slot's current job (`finish` resolves or rejects it) and moves on to the next one. */
  private settle(slot: Slot, finish: () => void): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = null;
    slot.worker?.unref();
    finish();
    if (slot.worker !== null && !this.closed) {
      slot.idleTimer = setTimeout(() => void this.stop(slot), this.idleMs);
      slot.idleTimer.unref();
    }
    this.pump();
  }

  /** Forgets the slot's worker (it has ended or is being terminated). */
  private detach(slot: Slot): void {
    slot.worker = null;
    slot.ready = null;
    slot.rpcPort?.close();
    slot.rpcPort = null;
    slot.rpcSignal = null;
  }

  /** Terminates the slot's worker; its current job, if any, fails with `error`. */
  private async stop(slot: Slot, error?: Error): Promise<void> {
    const worker = slot.worker;
    const pending = slot.current;
    this.detach(slot);
    clearTimeout(slot.idleTimer);
    if (pending !== null) this.settle(slot, () => pending.reject(error ?? new Error('the template render worker was stopped')));
    if (worker !== null) await worker.terminate();
  }
}
