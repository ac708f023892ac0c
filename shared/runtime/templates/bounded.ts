/**
 * Rendering a task's templated fields without ever holding up the caller's event loop for more than a
 * few milliseconds, within the configured limits. Every server-side render goes through
 * {@link renderTaskFields}:
 *
 * 1. the template files are read (asynchronously);
 * 2. small templates render on the calling thread under a small slice of the budget
 *    ({@link IN_PROCESS_SLICE}: 2,000 steps, 256 Ki characters, 50 ms) — a typical task's few short fields take tens of
 *    steps and well under a millisecond, so this is the common path and costs nothing extra;
 * 3. a render that does not fit the slice is started again in a worker thread (`./worker/pool.ts`) under
 *    the full limits, where the budget, a memory cap and a hard timeout stop it.
 *
 * Rendering is pure (the context is rebuilt from its input), so restarting in the worker is safe.
 */
import type { PyValue, Task } from '../../model/schema.js';
import { DEFAULT_TEMPLATE_LIMITS, TemplateBudgetError, type BudgetDimension, type TemplateLimits } from './budget.js';
import type { TemplateContextInput } from './context.js';
import { TemplateError } from './errors.js';
import { readTemplateFiles, type UndefinedBehavior } from './render.js';
import { runRenderJob, splitContextInput, type RenderJob } from './render-job.js';
import { TemplateWorkerPool } from './worker/pool.js';

/**
 * The most a render may use on the calling thread before it moves to a worker. The steps keep it to a
 * few milliseconds; the clock is a backstop (wall time also counts time the thread was not scheduled,
 * so a tight one would send ordinary renders to a worker on a busy machine).
 */
export const IN_PROCESS_SLICE: Readonly<TemplateLimits> = Object.freeze({ maxSteps: 2_000, maxOutputChars: 256 * 1024, timeoutMs: 50 });
/** Templates longer than this (all fields and files together) go straight to a worker: parsing is not budgeted. */
export const IN_PROCESS_MAX_SOURCE_CHARS = 16 * 1024;

export interface TaskRenderRequest {
  task: Task;
  /** The task's arguments; its `templated_fields` among them are rendered. */
  args: Readonly<Record<string, PyValue>>;
  context: TemplateContextInput;
  /** Reads a template file named by a templated field (see `RenderFieldsOptions.loadTemplateFile`). */
  loadTemplateFile: (path: string) => Promise<string | undefined> | string | undefined;
  undefined?: UndefinedBehavior;
  native?: boolean;
}

export interface TaskRenderOptions {
  /** @default DEFAULT_TEMPLATE_LIMITS */
  limits?: TemplateLimits;
  /** @default a pool shared by the process ({@link sharedTemplateWorkers}) */
  workers?: TemplateWorkerPool;
}

let shared: TemplateWorkerPool | undefined;

/** The process's template worker pool (created on first use; its idle workers do not keep the process alive). */
export function sharedTemplateWorkers(): TemplateWorkerPool {
  shared ??= new TemplateWorkerPool();
  return shared;
}

/** Stops the shared pool's workers (a later render starts a new pool). */
export async function closeSharedTemplateWorkers(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}

async function readFiles(request: TaskRenderRequest): Promise<Pick<RenderJob, 'files' | 'fileErrors'>> {
  const read = await readTemplateFiles(request.task, request.args, request.loadTemplateFile);
  const files: Record<string, string | null> = {};
  const fileErrors: Record<string, string> = {};
  for (const [path, content] of read.files) files[path] = content ?? null;
  for (const [path, err] of read.failures) fileErrors[path] = err instanceof Error ? err.message : String(err);
  return { files, fileErrors };
}

/** Characters of template source a job renders: its templated fields' strings and its files. */
function sourceChars(job: RenderJob): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') n += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(walk);
  };
  for (const name of job.task.templated_fields) walk(job.args[name]);
  for (const content of Object.values(job.files)) n += content?.length ?? 0;
  return n;
}

function slice(limits: TemplateLimits): TemplateLimits {
  return {
    maxSteps: Math.min(limits.maxSteps, IN_PROCESS_SLICE.maxSteps),
    maxOutputChars: Math.min(limits.maxOutputChars, IN_PROCESS_SLICE.maxOutputChars),
    timeoutMs: Math.min(limits.timeoutMs, IN_PROCESS_SLICE.timeoutMs),
  };
}

const LIMIT_OF: Record<BudgetDimension, keyof TemplateLimits | null> = { steps: 'maxSteps', text: 'maxOutputChars', time: 'timeoutMs', memory: null };

/** Whether `err` is the slice running out where the full limits would have gone on. */
function outgrewSlice(err: unknown, sliced: TemplateLimits, limits: TemplateLimits): boolean {
  const cause = err instanceof TemplateError ? err.cause : err;
  if (!(cause instanceof TemplateBudgetError)) return false;
  const key = LIMIT_OF[cause.dimension];
  return key !== null && sliced[key] < limits[key];
}

/**
 * Renders a task's templated fields within `limits` (Airflow's `render_template_fields`, bounded).
 *
 * @throws TemplateError — SKYDAG-T005 when the template needs more than the limits allow
 */
export async function renderTaskFields(request: TaskRenderRequest, options: TaskRenderOptions = {}): Promise<Record<string, PyValue>> {
  const limits = options.limits ?? DEFAULT_TEMPLATE_LIMITS;
  const { context, accessors } = splitContextInput(request.context);
  const job: RenderJob = {
    task: request.task,
    args: request.args,
    context,
    accessors: Object.keys(accessors) as RenderJob['accessors'],
    ...(await readFiles(request)),
    ...(request.undefined !== undefined ? { undefined: request.undefined } : {}),
    ...(request.native !== undefined ? { native: request.native } : {}),
  };
  if (sourceChars(job) <= IN_PROCESS_MAX_SOURCE_CHARS) {
    const sliced = slice(limits);
    try {
      return runRenderJob(job, accessors, sliced);
    } catch (err) {
      if (!outgrewSlice(err, sliced, limits)) throw err;
    }
  }
  return (options.workers ?? sharedTemplateWorkers()).run(job, accessors, limits);
}
