/**
 * Errors raised while rendering templates. Every failure (syntax, undefined value, a failing call, a
 * missing template file) surfaces as one {@link TemplateError} naming the task, the field, the template
 * text and the Python-style cause (`UndefinedError: 'foo' is undefined`), like Airflow's
 * "Exception rendering Jinja template for task 'x', field 'y'" log line.
 */
import { isBudgetError } from './budget.js';
import { PyError } from './py/object.js';

/** Stable codes (tools may match on them). */
export const TemplateErrorCode = {
  SYNTAX: 'SKYDAG-T001',
  UNDEFINED: 'SKYDAG-T002',
  RUNTIME: 'SKYDAG-T003',
  TEMPLATE_NOT_FOUND: 'SKYDAG-T004',
  /** The render went over its step, text, time or memory budget (see `budget.ts`). */
  BUDGET_EXCEEDED: 'SKYDAG-T005',
} as const;
export type TemplateErrorCode = (typeof TemplateErrorCode)[keyof typeof TemplateErrorCode];

/**
 * What went wrong: the template does not compile, used an undefined value, raised, its file is
 * missing, or it needed more than the rendering budget.
 */
export type TemplateErrorKind = 'syntax' | 'undefined' | 'runtime' | 'not_found' | 'budget';

const CODES: Record<TemplateErrorKind, TemplateErrorCode> = {
  syntax: TemplateErrorCode.SYNTAX,
  undefined: TemplateErrorCode.UNDEFINED,
  runtime: TemplateErrorCode.RUNTIME,
  not_found: TemplateErrorCode.TEMPLATE_NOT_FOUND,
  budget: TemplateErrorCode.BUDGET_EXCEEDED,
};

export interface TemplateErrorDetails {
  kind: TemplateErrorKind;
  /** The template text (or the file path for `not_found`); empty when no single template is to blame. */
  template: string;
  /** The engine's message, Python style: `UndefinedError: 'foo' is undefined`. */
  detail: string;
  /** Python exception type of the cause (`UndefinedError`, `TypeError`, `TemplateSyntaxError`). */
  pyType?: string;
  taskId?: string;
  /** Field path inside the task's arguments, e.g. `op_kwargs.year` or `command[2]`. */
  field?: string;
  /** The template file the text came from (template_ext fields). */
  templateFile?: string;
  cause?: unknown;
}

const MARKER = Symbol.for('skydag.TemplateError');
const MAX_TEMPLATE_IN_MESSAGE = 200;

function quoteTemplate(t: string): string {
  const shown = t.length > MAX_TEMPLATE_IN_MESSAGE ? `${t.slice(0, MAX_TEMPLATE_IN_MESSAGE)}...` : t;
  return JSON.stringify(shown);
}

/** A template could not be rendered. `instanceof` works across bundled copies of this module. */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  readonly kind: TemplateErrorKind;
  readonly template: string;
  readonly detail: string;
  readonly pyType: string | undefined;
  readonly taskId: string | undefined;
  readonly field: string | undefined;
  readonly templateFile: string | undefined;

  constructor(d: TemplateErrorDetails) {
    const where = d.taskId !== undefined ? ` for task '${d.taskId}'${d.field !== undefined ? `, field '${d.field}'` : ''}` : d.field !== undefined ? ` for field '${d.field}'` : '';
    const file = d.templateFile !== undefined ? ` (file ${d.templateFile})` : '';
    const shown = d.template === '' ? '' : ` Template: ${quoteTemplate(d.template)}.`;
    super(`[${CODES[d.kind]}] Exception rendering Jinja template${where}${file}.${shown} ${d.detail}`, { cause: d.cause });
    this.name = 'TemplateError';
    this.code = CODES[d.kind];
    this.kind = d.kind;
    this.template = d.template;
    this.detail = d.detail;
    this.pyType = d.pyType;
    this.taskId = d.taskId;
    this.field = d.field;
    this.templateFile = d.templateFile;
    Object.defineProperty(this, MARKER, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

export interface ErrorLocation {
  template: string;
  taskId?: string;
  field?: string;
  templateFile?: string;
}

/** Classifies anything thrown while compiling (`phase: 'compile'`) or rendering into a {@link TemplateError}. */
export function toTemplateError(err: unknown, phase: 'compile' | 'render', at: ErrorLocation): TemplateError {
  if (err instanceof TemplateError) return err;
  let kind: TemplateErrorKind;
  let detail: string;
  let pyType: string | undefined;
  if (err instanceof PyError) {
    pyType = err.pyType;
    detail = err.detail;
    if (isBudgetError(err)) kind = 'budget';
    else if (err.pyType === 'TemplateSyntaxError' || err.pyType === 'TemplateAssertionError') kind = 'syntax';
    else if (err.pyType === 'UndefinedError') kind = 'undefined';
    else if (err.pyType === 'TemplateNotFound') kind = 'not_found';
    else kind = 'runtime';
  } else {
    const message = err instanceof Error ? err.message : String(err);
    kind = phase === 'compile' ? 'syntax' : 'runtime';
    pyType = phase === 'compile' ? 'TemplateSyntaxError' : err instanceof RangeError ? 'RecursionError' : 'TemplateRuntimeError';
    detail = `${pyType}: ${message}`;
  }
  const details: TemplateErrorDetails = { kind, template: at.template, detail, pyType, cause: err };
  if (at.taskId !== undefined) details.taskId = at.taskId;
  if (at.field !== undefined) details.field = at.field;
  if (at.templateFile !== undefined) details.templateFile = at.templateFile;
  return new TemplateError(details);
}
