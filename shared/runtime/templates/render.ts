/**
 * Rendering templates and a task's templated fields the way Airflow's `render_template_fields` does:
 * - only the names in `task.templated_fields` are rendered; their strings are rendered wherever they
 *   sit inside lists and dicts (dict keys are not), other values are left as they are;
 * - a string ending with one of `task.template_ext` is a template file path: its content is loaded
 *   (through the caller's `loadTemplateFile`, which searches the DAG folder and
 *   `template_searchpath`) and rendered;
 * - TaskFlow outputs (`XComArg`s) in templated fields are resolved from XCom;
 * - with `render_template_as_native_obj`, values come out as Jinja's `NativeEnvironment` gives them.
 *
 * Undefined variables: Jinja's default `Undefined` renders as an empty string (`undefined: 'lenient'`,
 * skydag's default). Airflow 2's DAG default is `StrictUndefined`, which fails the task instead; pass
 * `undefined: 'strict'` for that.
 *
 * Every render runs under a budget (`./budget.ts`): one for `renderTemplate`, one shared by all the
 * fields of `renderTemplatedFields`. These functions run on the calling thread; servers render through
 * `renderTaskFields` (`./bounded.ts`), which keeps long renders off the event loop.
 */
import type { PyValue, Task } from '../../model/schema.js';
import { Budget, DEFAULT_TEMPLATE_LIMITS, activeBudget, withBudget, type TemplateLimits } from './budget.js';
import { TEMPLATE_CONTEXT_META, type TemplateContext } from './context.js';
import { PyError, isPlainDict } from './py/object.js';
import { TemplateError, toTemplateError } from './errors.js';
import { compile, renderNative, renderString, undefinedMode, type ImportedTemplate, type UndefinedBehavior } from './jinja/engine.js';
import type { Mode } from './jinja/repr.js';
import { readTemplate, type TemplateLoader } from './jinja/includes.js';
import { expandTemplateSource, referencedTemplates } from './jinja/template-source.js';
import { USER_FILTERS_VARIABLE } from './jinja/filters.js';

export type { UndefinedBehavior };

export interface RenderOptions {
  /**
   * What using an undefined variable or attribute does: `lenient` (jinja2.Undefined) renders it as
   * `''`; `strict` (jinja2.StrictUndefined, Airflow 2's DAG default) raises.
   * @default 'lenient'
   */
  undefined?: UndefinedBehavior;
  /**
   * The budget of this render (ignored inside a render that already has one).
   * @default DEFAULT_TEMPLATE_LIMITS
   */
  limits?: TemplateLimits;
}

/** Runs `fn` under the budget already in force, or a new one with `options.limits`. */
function budgeted<T>(options: RenderOptions | undefined, fn: () => T): T {
  if (activeBudget() !== null) return fn();
  return withBudget(new Budget(options?.limits ?? DEFAULT_TEMPLATE_LIMITS), fn);
}

export interface RenderValueOptions extends RenderOptions {
  /**
   * Render like `render_template_as_native_obj=True`.
   * @default the DAG's `render_template_as_native_obj` when the context was built for one, else false
   */
  native?: boolean;
  /** For error messages. */
  taskId?: string;
  field?: string;
  templateFile?: string;
  /** Reads templates named by `{% include %}`, `{% extends %}` and `{% import %}` (the DAG's folder, then template_searchpath); without it those are TemplateNotFound. */
  loadTemplate?: TemplateLoader;
}

function modeOf(options: RenderOptions | undefined): Mode {
  return undefinedMode(options?.undefined);
}

/** The names of the context's user_defined_filters (its templates may use them). */
function userFilterNames(context: TemplateContext): ReadonlySet<string> {
  const filters = context[USER_FILTERS_VARIABLE];
  return isPlainDict(filters) ? new Set(Object.keys(filters)) : NO_NAMES;
}
const NO_NAMES: ReadonlySet<string> = new Set();

function nativeDefault(context: TemplateContext): boolean {
  return context[TEMPLATE_CONTEXT_META]?.renderTemplateAsNativeObj ?? false;
}

/**
 * Renders one template to a string (Python Jinja output: `True`, `None`, `['a', 'b']`).
 *
 * @example renderTemplateString("{{ ds }} {{ macros.ds_add(ds, 7) }}", context) // '2019-01-03 2019-01-10'
 * @throws TemplateError
 */
export function renderTemplateString(template: string, context: TemplateContext, options: Omit<RenderValueOptions, 'native'> = {}): string {
  return renderTemplate(template, context, { ...options, native: false }) as string;
}

/** Renders one template; in native mode the result may be any value (see {@link RenderValueOptions.native}). */
export function renderTemplate(template: string, context: TemplateContext, options: RenderValueOptions = {}): unknown {
  return budgeted(options, () => renderOne(template, context, options));
}

/** Imports nested deeper than this are a RecursionError (templates importing each other). */
const MAX_IMPORT_DEPTH = 20;
/** Imports one render may make in all (templates that each import several would otherwise multiply). */
const MAX_IMPORTS = 200;

/** A template compiled, with the templates it imports (read through `load`) compiled too, recursively. */
function prepare(
  source: string,
  load: TemplateLoader | undefined,
  native: boolean,
  filters: ReadonlySet<string>,
  made = { imports: 0 },
  depth = 0,
): { program: ReturnType<typeof compile>; imports: ImportedTemplate[] } {
  const expanded = expandTemplateSource(source, load);
  const imports = expanded.imports.map((imported): ImportedTemplate => {
    if (depth >= MAX_IMPORT_DEPTH) throw new PyError('RecursionError', `{% import %} nested more than ${MAX_IMPORT_DEPTH} deep`);
    if (++made.imports > MAX_IMPORTS) throw new PyError('RecursionError', `{% import %} of more than ${MAX_IMPORTS} templates in one render`);
    const text = readTemplate(load, imported.template);
    if (text === undefined) throw new PyError('TemplateNotFound', imported.template);
    return { ...imported, ...prepare(text.replace(/\r?\n$/, ''), load, false, filters, made, depth + 1) };
  });
  return { program: compile(expanded.source, native, filters), imports };
}

function renderOne(template: string, context: TemplateContext, options: RenderValueOptions): unknown {
  const native = options.native ?? nativeDefault(context);
  const at = { template, taskId: options.taskId, field: options.field, templateFile: options.templateFile };
  let prepared;
  try {
    prepared = prepare(template, options.loadTemplate, native, userFilterNames(context));
  } catch (err) {
    throw toTemplateError(err, 'compile', at);
  }
  const { program, imports } = prepared;
  try {
    return native ? renderNative(program, context, modeOf(options), imports) : renderString(program, context, modeOf(options), imports);
  } catch (err) {
    throw toTemplateError(err, 'render', at);
  }
}

export interface RenderFieldsOptions extends RenderOptions {
  /**
   * Returns the content of a template file named by a templated field (`script.sh`, `query.sql`). The
   * caller searches the DAG's folder and `template_searchpath`; throw (or return undefined) when the
   * file does not exist.
   */
  loadTemplateFile: (path: string) => string | undefined;
  /** @default the DAG's `render_template_as_native_obj` */
  native?: boolean;
}

type Rendered = PyValue;

function isTagged(v: unknown, tag: string): v is Record<string, unknown> {
  return isPlainDict(v) && v.$type === tag;
}

/**
 * Renders a task's templated fields; returns a copy of `args` with those fields rendered.
 *
 * @throws TemplateError naming the task, the field path (`op_kwargs.year`) and the template
 */
export function renderTemplatedFields(task: Task, args: Readonly<Record<string, PyValue>>, context: TemplateContext, options: RenderFieldsOptions): Record<string, PyValue> {
  return budgeted(options, () => renderFields(task, args, context, options));
}

function renderFields(task: Task, args: Readonly<Record<string, PyValue>>, context: TemplateContext, options: RenderFieldsOptions): Record<string, PyValue> {
  const native = options.native ?? nativeDefault(context);
  const out: Record<string, PyValue> = { ...args };
  const ext = task.template_ext;

  const loadFile = (path: string, field: string): string => {
    let content: string | undefined;
    try {
      content = options.loadTemplateFile(path);
    } catch (err) {
      throw new TemplateError({
        kind: 'not_found',
        template: path,
        detail: `TemplateNotFound: ${path}${err instanceof Error && err.message ? ` (${err.message})` : ''}`,
        pyType: 'TemplateNotFound',
        taskId: task.task_id,
        field,
        templateFile: path,
        cause: err,
      });
    }
    if (content === undefined) {
      throw new TemplateError({ kind: 'not_found', template: path, detail: `TemplateNotFound: ${path}`, pyType: 'TemplateNotFound', taskId: task.task_id, field, templateFile: path });
    }
    return content;
  };

  const renderValue = (value: PyValue, field: string): Rendered => {
    if (typeof value === 'string') {
      const isFile = ext.some((e) => value.endsWith(e));
      const text = isFile ? loadFile(value, field) : value;
      const opts: RenderValueOptions = { native, taskId: task.task_id, field, loadTemplate: options.loadTemplateFile };
      if (options.undefined !== undefined) opts.undefined = options.undefined;
      if (isFile) opts.templateFile = value;
      return renderTemplate(text, context, opts) as Rendered;
    }
    if (Array.isArray(value)) return value.map((v, i) => renderValue(v, `${field}[${i}]`));
    // literal(): used as it is (Airflow's LiteralValue), no Jinja and no template file.
    if (isTagged(value, 'literal')) return (value as { value: PyValue }).value;
    if (isTagged(value, 'xcom_arg')) return resolveXComArg(value, field) as Rendered;
    // A mapped item made in the task's process (XComArg.map()) is resolved there, after rendering.
    if (isTagged(value, 'datetime') || isTagged(value, 'timedelta') || isTagged(value, 'callable') || isTagged(value, 'mapped_item')) return value;
    if (isPlainDict(value)) {
      const dict: Record<string, PyValue> = {};
      for (const [k, v] of Object.entries(value)) dict[k] = renderValue(v as PyValue, `${field}.${k}`);
      return dict;
    }
    return value;
  };

  const resolveXComArg = (ref: Record<string, unknown>, field: string): unknown => {
    const meta = context[TEMPLATE_CONTEXT_META];
    const taskId = String(ref.task_id);
    const key = typeof ref.key === 'string' ? ref.key : 'return_value';
    try {
      if (!meta) throw new PyError('RuntimeError', 'the context was not built by buildTemplateContext, so XComArgs cannot be resolved');
      return meta.resolveXComArg(taskId, key);
    } catch (err) {
      throw toTemplateError(err, 'render', { template: `XComArg(${taskId}, key=${key})`, taskId: task.task_id, field });
    }
  };

  for (const name of task.templated_fields) {
    const value = args[name];
    // Airflow skips unset and falsy fields.
    if (value === undefined || value === null || value === '' || value === false || value === 0) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isPlainDict(value) && Object.keys(value).length === 0) continue;
    out[name] = renderValue(value, name);
  }
  return out;
}

/** The template files a task's templated fields name (strings ending with one of its `template_ext`). */
export function templateFilePaths(task: Task, args: Readonly<Record<string, PyValue>>): string[] {
  return [...templatedStrings(task, args)].filter((v) => task.template_ext.some((e) => v.endsWith(e)));
}

function templatedStrings(task: Task, args: Readonly<Record<string, PyValue>>): Set<string> {
  const strings = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') strings.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (isPlainDict(v) && typeof v.$type !== 'string') Object.values(v).forEach(collect);
  };
  for (const name of task.templated_fields) collect(args[name]);
  return strings;
}

/** Most template files one render reads (its fields' files and everything they `{% include %}`, extend or import). */
const MAX_TEMPLATE_FILES = 200;

/**
 * Reads, before a render, every template file it needs: the files its templated fields name and the
 * templates that they, the files or those templates name with `{% include %}`, `{% extends %}` or `{% import %}`. Returns each name's
 * content (undefined when not found) or the error reading it.
 */
export async function readTemplateFiles(
  task: Task,
  args: Readonly<Record<string, PyValue>>,
  load: (path: string) => Promise<string | undefined> | string | undefined,
): Promise<{ files: Map<string, string | undefined>; failures: Map<string, unknown> }> {
  const files = new Map<string, string | undefined>();
  const failures = new Map<string, unknown>();
  const strings = templatedStrings(task, args);
  let pending = new Set([...templateFilePaths(task, args), ...[...strings].flatMap(referencedTemplates)]);
  while (pending.size > 0 && files.size + failures.size < MAX_TEMPLATE_FILES) {
    const batch = [...pending].slice(0, MAX_TEMPLATE_FILES - files.size - failures.size);
    await Promise.all(
      batch.map(async (p) => {
        try {
          files.set(p, await load(p));
        } catch (err) {
          failures.set(p, err);
        }
      }),
    );
    const next = new Set<string>();
    for (const p of batch) for (const name of referencedTemplates(files.get(p) ?? '')) if (!files.has(name) && !failures.has(name)) next.add(name);
    pending = next;
  }
  return { files, failures };
}

export interface RenderFieldsAsyncOptions extends RenderOptions {
  /** Like {@link RenderFieldsOptions.loadTemplateFile}, possibly asynchronous (S3, a file system). */
  loadTemplateFile: (path: string) => Promise<string | undefined> | string | undefined;
  native?: boolean;
}

/** {@link renderTemplatedFields} with an asynchronous template-file loader (files are read first). */
export async function renderTemplatedFieldsAsync(task: Task, args: Readonly<Record<string, PyValue>>, context: TemplateContext, options: RenderFieldsAsyncOptions): Promise<Record<string, PyValue>> {
  const { files, failures } = await readTemplateFiles(task, args, options.loadTemplateFile);
  return renderTemplatedFields(task, args, context, {
    ...options,
    loadTemplateFile: (p) => {
      if (failures.has(p)) throw failures.get(p);
      return files.get(p);
    },
  });
}
