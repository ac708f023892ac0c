/** Helpers for the YAML front-end's tests. */
import type { Dag, Diagnostic, Task } from '../../model/schema.js';
import type { FrontendResult } from '../types.js';
import { parseYamlDagFile } from './index.js';

export const NOW = new Date('2024-06-15T12:34:56Z');
export const FILE = 'team/etl.yaml';

/** Strips the common indentation and the first newline, so YAML can be written indented in tests. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function parse(source: string, file = FILE, now = NOW): FrontendResult {
  return parseYamlDagFile(source, { file, now });
}

/** Parses a file that must produce no errors (warnings allowed unless `noWarnings`). */
export function parseOk(source: string, options: { noWarnings?: boolean; file?: string } = {}): Dag[] {
  const result = parse(source, options.file);
  const unexpected = result.diagnostics.filter((d) => d.severity === 'error' || options.noWarnings);
  if (unexpected.length > 0) throw new Error(`unexpected diagnostics:\n${unexpected.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return result.dags;
}

export function onlyDag(source: string, options: { noWarnings?: boolean } = {}): Dag {
  const dags = parseOk(source, options);
  if (dags.length !== 1) throw new Error(`expected one DAG, got ${dags.length}`);
  return dags[0]!;
}

export function task(dag: Dag, id: string): Task {
  const found = dag.tasks.find((t) => t.task_id === id);
  if (!found) throw new Error(`no task '${id}' in ${dag.tasks.map((t) => t.task_id).join(', ')}`);
  return found;
}

/** Every edge as [upstream, downstream], sorted; also checks both directions agree and are sorted. */
export function edges(dag: Dag): [string, string][] {
  const fromUp: [string, string][] = [];
  const fromDown: [string, string][] = [];
  for (const t of dag.tasks) {
    expect(t.upstream_task_ids).toEqual([...t.upstream_task_ids].sort());
    expect(t.downstream_task_ids).toEqual([...t.downstream_task_ids].sort());
    for (const u of t.upstream_task_ids) fromUp.push([u, t.task_id]);
    for (const d of t.downstream_task_ids) fromDown.push([t.task_id, d]);
  }
  const order = (a: [string, string], b: [string, string]) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]);
  fromUp.sort(order);
  fromDown.sort(order);
  expect(fromDown).toEqual(fromUp);
  return fromUp;
}

/** Diagnostics as `code@line:col`, in report order. */
export function located(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);
}

export function errors(result: FrontendResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}
