/** Shared helpers for the Python front-end tests. */
import { parser } from '@lezer/python';
import { DiagnosticBag } from '../../../model/diagnostics.js';
import type { Dag, Diagnostic, Task } from '../../../model/schema.js';
import { schemaProblems } from '../../../validation/schema-check.js';
import { Evaluator } from '../evaluator.js';
import { pyRepr } from '../formatting.js';
import { parsePythonDagFile } from '../index.js';
import { LineMap } from '../location.js';
import { Lowerer } from '../lower.js';

/** The fixed parse-time clock of the tests. */
export const NOW = new Date('2024-06-15T12:34:56Z');
export const FILE = 'dags/test_dag.py';

/** Strips the common indentation of a template literal, so tests can indent Python naturally. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function parse(source: string, file = FILE, env?: Record<string, string>, modules?: Record<string, { file: string; source: string }>): { dags: Dag[]; diagnostics: Diagnostic[] } {
  return parsePythonDagFile(source, { file, now: NOW, ...(env ? { env } : {}), ...(modules ? { modules } : {}) });
}

/** Parses a file that must have no errors (warnings are allowed) and returns its DAGs by id. */
export function parseOk(source: string): Record<string, Dag> {
  const r = parse(source);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`unexpected errors:\n${errors.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  // Every DAG the front-end emits must conform to the model schema.
  for (const d of r.dags) {
    const problems = schemaProblems(d);
    if (problems.length) throw new Error(`DAG '${d.dag_id}' does not match the model schema:\n${problems.join('\n')}`);
  }
  return Object.fromEntries(r.dags.map((d) => [d.dag_id, d]));
}

export function onlyDag(source: string): Dag {
  const dags = Object.values(parseOk(source));
  if (dags.length !== 1) throw new Error(`expected one DAG, got ${dags.map((d) => d.dag_id).join(', ') || 'none'}`);
  return dags[0]!;
}

/** The complete edge set of a DAG as sorted [from, to] pairs (read from downstream_task_ids). */
export function edges(dag: Dag): [string, string][] {
  return dag.tasks.flatMap((t) => t.downstream_task_ids.map((d) => [t.task_id, d] as [string, string])).sort((a, b) => (a.join('>') < b.join('>') ? -1 : 1));
}

/** Every task as `id: Operator/kind`, in creation order. */
export function taskList(dag: Dag): string[] {
  return dag.tasks.map((t) => `${t.task_id}: ${t.operator}/${t.operator_kind}`);
}

export function task(dag: Dag, id: string): Task {
  const t = dag.tasks.find((x) => x.task_id === id);
  if (!t) throw new Error(`no task '${id}' in ${dag.dag_id} (has ${dag.tasks.map((x) => x.task_id).join(', ')})`);
  return t;
}

/** Diagnostics as `line:col code message` strings. */
export function diags(source: string, severity: 'error' | 'warning' | 'all' = 'error'): string[] {
  return parse(source)
    .diagnostics.filter((d) => severity === 'all' || d.severity === severity)
    .map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
}

/**
 * Evaluates a module and returns the Python repr() of the named globals, so Python semantics can be
 * asserted against what CPython prints.
 */
export function reprs(source: string, ...names: string[]): Record<string, string> {
  const bag = new DiagnosticBag();
  const tree = parser.parse(source);
  const ev = new Evaluator(new LineMap(source, FILE), bag, { file: FILE, now: NOW });
  ev.run(new Lowerer(source).module(tree), 'unusual_prefix_test_dag');
  const errors = bag.items.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`unexpected errors:\n${errors.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = ev.globals.vars.get(n);
    if (v === undefined) throw new Error(`no global '${n}'`);
    out[n] = v.t === 'dynamic' ? `<dynamic ${v.origin}>` : v.t === 'invalid' ? '<invalid>' : pyRepr(v);
  }
  return out;
}

/** repr() of a single expression. */
export function repr(expr: string, prelude = ''): string {
  return reprs(`${prelude}\n__x = ${expr}\n`, '__x').__x!;
}
