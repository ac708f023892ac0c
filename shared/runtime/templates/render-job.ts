/**
 * One task's field rendering as plain data (a {@link RenderJob}), so that the same render can run on
 * the calling thread or in a worker thread (`./worker/`): the context input without its accessors,
 * the template files already read, and the limits. The accessors (Variables, Connections, XComs) are
 * passed separately: direct functions on the calling thread, synchronous calls back to it in a worker.
 */
import type { PyValue, Task } from '../../model/schema.js';
import { Budget, withBudget, type TemplateLimits } from './budget.js';
import { buildTemplateContext, type TemplateContext, type TemplateContextInput, type TemplateDag } from './context.js';
import { isPlainDict } from './py/object.js';
import { renderTemplatedFields, type UndefinedBehavior } from './render.js';

/** The accessors of a {@link TemplateContextInput}: functions, which cannot be copied to a worker. */
export type ContextAccessors = Pick<TemplateContextInput, 'variables' | 'connections' | 'repository' | 'xcomPull' | 'xcomPush' | 'pythonCall'>;
export type AccessorName = keyof ContextAccessors;
export const ACCESSOR_NAMES: readonly AccessorName[] = ['variables', 'connections', 'repository', 'xcomPull', 'xcomPush', 'pythonCall'];

/** A {@link TemplateContextInput} without its accessors. */
export type PortableContextInput = Omit<TemplateContextInput, AccessorName>;

export interface RenderJob {
  task: Task;
  args: Readonly<Record<string, PyValue>>;
  context: PortableContextInput;
  /** The accessors the context has (the others are absent, as in the original input). */
  accessors: readonly AccessorName[];
  /** Template files named by templated fields: content, or null when not found. */
  files: Readonly<Record<string, string | null>>;
  /** Why a template file could not be read (its path to the error message). */
  fileErrors: Readonly<Record<string, string>>;
  undefined?: UndefinedBehavior;
  native?: boolean;
}

/** Splits a context input into its copyable part and its accessors. */
export function splitContextInput(input: TemplateContextInput): { context: PortableContextInput; accessors: ContextAccessors } {
  const { variables, connections, repository, xcomPull, xcomPush, pythonCall, ...context } = input;
  const accessors: ContextAccessors = {};
  if (variables) accessors.variables = variables;
  if (connections) accessors.connections = connections;
  if (repository) accessors.repository = repository;
  if (xcomPull) accessors.xcomPull = xcomPull;
  if (xcomPush) accessors.xcomPush = xcomPush;
  if (pythonCall) accessors.pythonCall = pythonCall;
  return { context, accessors };
}

/** The job as sent to another thread: the DAG keeps only its task ids (all the context reads of them). */
export function slimJob(job: RenderJob): RenderJob {
  const dag: TemplateDag = { ...job.context.dag, tasks: job.context.dag.tasks.map((t) => ({ task_id: t.task_id })) };
  return { ...job, context: { ...job.context, dag } };
}

/**
 * Renders a job's fields under a budget with `limits` (synchronously, on the current thread). Building
 * the context is the same small work for every task, so the budget starts after it.
 */
export function runRenderJob(job: RenderJob, accessors: ContextAccessors, limits: TemplateLimits): Record<string, PyValue> {
  // Text without Jinja syntax renders the same in every context, so for such a job the context (dates,
  // macros, the task and run objects: most of a short render's time) is not built. It still renders.
  const context: TemplateContext = withoutJinja(job) ? {} : buildTemplateContext({ ...job.context, ...accessors });
  return withBudget(new Budget(limits), () =>
    renderTemplatedFields(job.task, job.args, context, {
      native: job.native ?? job.context.dag.render_template_as_native_obj,
      loadTemplateFile: (path) => {
        const error = job.fileErrors[path];
        if (error !== undefined) throw new Error(error);
        return job.files[path] ?? undefined;
      },
      ...(job.undefined !== undefined ? { undefined: job.undefined } : {}),
    }),
  );
}

/** Where Jinja syntax starts: `{{`, `{%` or `{#`. */
const JINJA_START = /\{[{%#]/;

/** Whether nothing a job renders (its templated fields' strings, its template files) holds Jinja syntax or a TaskFlow output. */
function withoutJinja(job: RenderJob): boolean {
  const plain = (v: unknown): boolean => {
    if (typeof v === 'string') return !JINJA_START.test(v);
    if (Array.isArray(v)) return v.every(plain);
    if (isPlainDict(v)) return v.$type !== 'xcom_arg' && Object.values(v).every(plain);
    return true;
  };
  return job.task.templated_fields.every((name) => plain(job.args[name])) && Object.values(job.files).every((content) => content === null || plain(content));
}
