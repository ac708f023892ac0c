/**
 * Diagnostics: every problem found in a DAG file, with a stable code and a location. Front-ends and
 * the validator collect all of them in one pass instead of stopping at the first.
 */
import type { Diagnostic, SourceLocation } from './schema.js';

/** Stable diagnostic codes (part of the CLI/API contract: tools may match on them). */
export const DiagnosticCode = {
  SYNTAX: 'SKYDAG-P001',
  UNSUPPORTED: 'SKYDAG-P002',
  UNDEFINED_NAME: 'SKYDAG-P003',
  DYNAMIC_VALUE: 'SKYDAG-P004',
  EVALUATION: 'SKYDAG-P005',
  /** A parse budget was spent: evaluation steps, value sizes, bracket nesting, YAML alias expansion. */
  PARSE_LIMIT: 'SKYDAG-P006',
  /** The parse worker was stopped by its time or memory limit (or died): the file is not read. */
  PARSE_ABORTED: 'SKYDAG-P007',
  YAML: 'SKYDAG-Y001',
  CYCLE: 'SKYDAG-V001',
  DUPLICATE_TASK_ID: 'SKYDAG-V002',
  UNKNOWN_UPSTREAM: 'SKYDAG-V003',
  MISSING_ARGUMENT: 'SKYDAG-V004',
  BAD_SCHEDULE: 'SKYDAG-V005',
  BAD_DATE: 'SKYDAG-V006',
  UNKNOWN_TRIGGER_RULE: 'SKYDAG-V007',
  UNKNOWN_OPERATOR: 'SKYDAG-V008',
  BAD_BRANCH_TARGET: 'SKYDAG-V009',
  UNKNOWN_ARGUMENT: 'SKYDAG-V010',
  ARGUMENT_TYPE: 'SKYDAG-V011',
  DUPLICATE_DAG_ID: 'SKYDAG-V012',
  TASK_WITHOUT_DAG: 'SKYDAG-V013',
  NO_DAG: 'SKYDAG-V014',
  BAD_DAG_ARGUMENT: 'SKYDAG-V015',
  DEFAULT_SCHEDULE: 'SKYDAG-W001',
  NOT_EXECUTABLE: 'SKYDAG-W002',
  BRANCH_JOIN: 'SKYDAG-W003',
  QUEUE_IGNORED: 'SKYDAG-W004',
} as const;
export type DiagnosticCode = (typeof DiagnosticCode)[keyof typeof DiagnosticCode];

export interface DiagnosticInput {
  code: DiagnosticCode;
  message: string;
  at: SourceLocation;
  severity?: 'error' | 'warning';
  dag_id?: string;
  task_id?: string;
  hint?: string;
}

/** Collects diagnostics for one file. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: DiagnosticInput): void {
    const item: Diagnostic = {
      file: d.at.file,
      line: d.at.line,
      col: d.at.col,
      message: d.message,
      code: d.code,
      severity: d.severity ?? 'error',
    };
    if (d.dag_id !== undefined) item.dag_id = d.dag_id;
    if (d.task_id !== undefined) item.task_id = d.task_id;
    if (d.hint !== undefined) item.hint = d.hint;
    this.items.push(item);
  }

  error(code: DiagnosticCode, message: string, at: SourceLocation, extra: Partial<DiagnosticInput> = {}): void {
    this.add({ ...extra, code, message, at, severity: 'error' });
  }

  warning(code: DiagnosticCode, message: string, at: SourceLocation, extra: Partial<DiagnosticInput> = {}): void {
    this.add({ ...extra, code, message, at, severity: 'warning' });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, line, column, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
}

/** `file:line:col: error: message [code]` (and the hint on its own line), as compilers print. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}
