/**
 * Template rendering with the Airflow context: skydag renders each task's templated fields just before
 * it runs and produces the same strings Python Airflow (Jinja + pendulum) would.
 *
 * @example
 * ```ts
 * const context = buildTemplateContext({ dag, task, run, tryNumber: 1, now: new Date(), xcomPull });
 * const args = renderTemplatedFields(task, task.args, context, { loadTemplateFile: (p) => readFromDagFolder(p) });
 * renderTemplateString("{{ ds }} {{ '{:02}'.format(execution_date.hour) }}", context); // '2019-01-03 00'
 * ```
 *
 * Built on `@huggingface/jinja`, whose AST is rewritten so that output, attribute access, operators,
 * filters and tests follow Python Jinja (see `jinja/rewrite.ts`).
 */
export {
  buildTemplateContext,
  nextExecutionDate,
  prevExecutionDate,
  withTemplatesDict,
  TEMPLATE_CONTEXT_KEYS,
  TEMPLATE_CONTEXT_META,
  type DagRunInput,
  type PreviousSuccessInput,
  type RunType,
  type TemplateContext,
  type TemplateContextInput,
  type TemplateDag,
  type TemplateContextMeta,
} from './context.js';
export { TemplateError, TemplateErrorCode, type TemplateErrorDetails, type TemplateErrorKind } from './errors.js';
export {
  DEFAULT_TEMPLATE_LIMITS,
  TEMPLATE_LIMIT_ENV,
  TemplateBudgetError,
  TemplateLimitsError,
  templateLimitsFromEnv,
  type BudgetDimension,
  type TemplateLimits,
} from './budget.js';
export {
  IN_PROCESS_MAX_SOURCE_CHARS,
  IN_PROCESS_SLICE,
  closeSharedTemplateWorkers,
  renderTaskFields,
  sharedTemplateWorkers,
  type TaskRenderOptions,
  type TaskRenderRequest,
} from './bounded.js';
export { TemplateWorkerPool, type TemplateWorkerPoolOptions } from './worker/pool.js';
export { AIRFLOW_CONFIG_DEFAULTS, type ConnectionInfo, type XComPull, type XComPullRequest, type XComPush } from './objects.js';
export {
  renderTemplate,
  renderTemplateString,
  renderTemplatedFields,
  renderTemplatedFieldsAsync,
  type RenderFieldsAsyncOptions,
  type RenderFieldsOptions,
  type RenderOptions,
  type RenderValueOptions,
  type UndefinedBehavior,
} from './render.js';
