/**
 * Datasets (Airflow 2's data-aware scheduling) in the DAG model: the tagged values front-ends give
 * (`Dataset`, `DatasetAll`, `DatasetAny`, `DatasetOrTimeSchedule`), turned into a task's `outlets` and
 * a DAG's `dataset_schedule`, and the condition a consumer DAG's runs wait for.
 */
import { DiagnosticCode, type DiagnosticBag } from './diagnostics.js';
import type { DatasetEventRecord } from './records.js';
import type { DatasetCondition, DatasetRef, PyValue, SourceLocation } from './schema.js';

/** Airflow 2.10 (`airflow/datasets/__init__.py` `_sanitize_uri`): a URI is ASCII, not blank, at most 3000 characters. */
export const DATASET_URI_MAX_LENGTH = 3000;

/** Why `uri` is not a valid dataset URI (Airflow's ValueError text), or undefined. */
export function datasetUriProblem(uri: string): string | undefined {
  if (uri.length === 0 || uri.trim().length === 0) return 'Dataset URI cannot be empty';
  if (uri.length > DATASET_URI_MAX_LENGTH) return `Dataset URI is longer than ${DATASET_URI_MAX_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(uri)) return 'Dataset URI must only consist of ASCII characters';
  if (/^airflow:/i.test(uri)) return "Dataset scheme 'airflow' is reserved";
  return undefined;
}

type Tagged = { $type: string; [key: string]: PyValue };

const tagged = (v: PyValue | undefined): Tagged | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, PyValue>).$type === 'string' ? (v as Tagged) : undefined;

const DATASET_TAGS = new Set(['dataset', 'dataset_alias', 'dataset_all', 'dataset_any']);

/** Whether a value is a dataset or a condition over datasets (what `schedule=` takes besides times). */
export function isDatasetValue(v: PyValue | undefined): boolean {
  const t = tagged(v);
  if (t) return DATASET_TAGS.has(t.$type) || t.$type === 'dataset_or_time';
  return Array.isArray(v) && v.length > 0 && v.every((item) => DATASET_TAGS.has(tagged(item)?.$type ?? ''));
}

/** The condition a dataset schedule value stands for (a list is "all of"); undefined for anything else. */
export function datasetCondition(v: PyValue | undefined): DatasetCondition | undefined {
  if (Array.isArray(v)) {
    const parts = v.map(datasetCondition);
    return parts.length > 0 && parts.every((p) => p !== undefined) ? simplify({ all: parts as DatasetCondition[] }) : undefined;
  }
  const t = tagged(v);
  if (!t) return undefined;
  if (t.$type === 'dataset' && typeof t.uri === 'string') return { uri: t.uri };
  if (t.$type === 'dataset_alias' && typeof t.name === 'string') return { alias: t.name };
  if ((t.$type === 'dataset_all' || t.$type === 'dataset_any') && Array.isArray(t.objects)) {
    const parts = t.objects.map(datasetCondition);
    if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
    return simplify(t.$type === 'dataset_all' ? { all: parts as DatasetCondition[] } : { any: parts as DatasetCondition[] });
  }
  return undefined;
}

/** One-part groups are their part (`schedule=[d]` waits for d, as Airflow's DatasetAll(d) does). */
function simplify(c: DatasetCondition): DatasetCondition {
  if ('all' in c && c.all.length === 1) return c.all[0]!;
  if ('any' in c && c.any.length === 1) return c.any[0]!;
  return c;
}

/** Every URI a condition names, in order of first appearance (aliases not resolved: see `resolveAliases`). */
export function conditionUris(c: DatasetCondition): string[] {
  const out = new Set<string>();
  walkCondition(c, (n) => {
    if ('uri' in n) out.add(n.uri);
  });
  return [...out];
}

/** Every alias a condition names, in order of first appearance. */
export function conditionAliases(c: DatasetCondition): string[] {
  const out = new Set<string>();
  walkCondition(c, (n) => {
    if ('alias' in n) out.add(n.alias);
  });
  return [...out];
}

function walkCondition(c: DatasetCondition, visit: (n: DatasetCondition) => void): void {
  visit(c);
  if ('all' in c || 'any' in c) for (const p of 'all' in c ? c.all : c.any) walkCondition(p, visit);
}

/**
 * The condition with each alias replaced by "any of" the datasets it resolved to (Airflow 2.10
 * re-parses a DAG scheduled on an alias once an event went through it, and its schedule becomes
 * those datasets); an alias that resolved to nothing stays and is never met.
 */
export function resolveAliases(c: DatasetCondition, resolved: ReadonlyMap<string, readonly string[]>): DatasetCondition {
  if ('uri' in c) return c;
  if ('alias' in c) {
    const uris = resolved.get(c.alias) ?? [];
    return uris.length === 0 ? c : simplify({ any: uris.map((uri) => ({ uri })) });
  }
  return 'all' in c ? { all: c.all.map((p) => resolveAliases(p, resolved)) } : { any: c.any.map((p) => resolveAliases(p, resolved)) };
}

/** Airflow's `BaseDataset.evaluate(statuses)`: whether the datasets updated so far satisfy the condition (an unresolved alias: never). */
export function conditionMet(c: DatasetCondition, updated: ReadonlySet<string>): boolean {
  if ('uri' in c) return updated.has(c.uri);
  if ('alias' in c) return false;
  return 'all' in c ? c.all.every((p) => conditionMet(p, updated)) : c.any.some((p) => conditionMet(p, updated));
}

/** Airflow's rendering of a condition (the DAG list's "schedule" of a dataset-triggered DAG). */
export function describeCondition(c: DatasetCondition): string {
  if ('uri' in c) return c.uri;
  if ('alias' in c) return `DatasetAlias(${c.alias})`;
  const parts = ('all' in c ? c.all : c.any).map((p) => ('uri' in p || 'alias' in p ? describeCondition(p) : `(${describeCondition(p)})`));
  return parts.join('all' in c ? ' & ' : ' | ');
}

/**
 * The schedule value of a data-aware DAG split into its dataset condition and its time part
 * (DatasetOrTimeSchedule's timetable; undefined otherwise, meaning None).
 */
export function splitDatasetSchedule(v: PyValue): { condition: DatasetCondition | undefined; time: PyValue | undefined } {
  const t = tagged(v);
  if (t?.$type === 'dataset_or_time') return { condition: datasetCondition(t.datasets), time: t.timetable };
  return { condition: datasetCondition(v), time: undefined };
}

/** A task's `outlets`: its datasets (other lineage objects are not datasets and are ignored, as the scheduler ignores them). */
export function outletsFromValue(v: PyValue | undefined, at: SourceLocation, bag: DiagnosticBag, ids: { dag_id: string; task_id: string }, what: 'outlets' | 'inlets' = 'outlets'): DatasetRef[] | undefined {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  const out: DatasetRef[] = [];
  for (const item of items) {
    const t = tagged(item);
    if (t?.$type === 'dataset_alias') continue; // see aliasesFromValue
    if (t?.$type !== 'dataset' || typeof t.uri !== 'string') {
      if (t && DATASET_TAGS.has(t.$type)) bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${ids.task_id}': ${what} take datasets, not a condition (${t.$type === 'dataset_all' ? '&' : '|'})`, at, ids);
      continue;
    }
    const ref: DatasetRef = { uri: t.uri };
    const extra = t.extra;
    if (extra !== null && extra !== undefined && typeof extra === 'object' && !Array.isArray(extra) && Object.keys(extra).length > 0) ref.extra = extra as Record<string, PyValue>;
    if (!out.some((o) => o.uri === ref.uri)) out.push(ref);
  }
  return out.length > 0 ? out : undefined;
}

/** The dataset aliases among a task's `outlets` / `inlets` (`DatasetAlias(name)`), without repeats. */
export function aliasesFromValue(v: PyValue | undefined): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  const names = new Set<string>();
  for (const item of items) {
    const t = tagged(item);
    if (t?.$type === 'dataset_alias' && typeof t.name === 'string') names.add(t.name);
  }
  return names.size > 0 ? [...names] : undefined;
}

/** Airflow's `triggering_dataset_events` context value: URI → its events (oldest first), as the run recorded them. */
export function triggeringDatasetEvents(run: { triggering_dataset_events?: DatasetEventRecord[] }): Record<string, DatasetEventRecord[]> {
  const out: Record<string, DatasetEventRecord[]> = {};
  for (const event of run.triggering_dataset_events ?? []) (out[event.uri] ??= []).push(event);
  return out;
}
