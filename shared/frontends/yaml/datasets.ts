/**
 * dag-factory's datasets (Airflow 2 data-aware scheduling from YAML): task `inlets` / `outlets` as
 * lists of URIs, a DAG `schedule` as a list of URIs ("all of"), or `schedule: {datasets: ...}` with
 * a condition string over URIs and names (`(s3://a & s3://b) | c`), optionally with a `timetable`
 * (DatasetOrTimeSchedule). Values are the tagged model values the Python front-end gives
 * (shared/model/datasets.ts reads them).
 */
import { datasetUriProblem } from '../../model/datasets.js';
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { PyValue } from '../../model/schema.js';
import { describeNode, entry, type Pos, type YNode } from './nodes.js';
import { report, type ValueContext } from './values.js';

const dataset = (uri: string): PyValue => ({ $type: 'dataset', uri, extra: {} });

function checkedUri(uri: string, pos: Pos, ctx: ValueContext): boolean {
  const problem = datasetUriProblem(uri);
  if (problem) report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${problem} ('${uri}')`, pos);
  return problem === undefined;
}

/** A task's `inlets` / `outlets`, or a DAG's list `schedule`: URI strings (empty ones dropped, as dag-factory does). */
export function datasetList(node: YNode, what: string, ctx: ValueContext): PyValue[] | undefined {
  if (node.kind === 'map' && entry(node, 'file') && entry(node, 'datasets')) {
    report(ctx, DiagnosticCode.UNSUPPORTED, `${what}: datasets read from another file ('file:') are not supported`, node.pos, 'list the dataset URIs in the DAG file');
    return undefined;
  }
  if (node.kind !== 'seq') {
    report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${what} must be a list of dataset URIs (got ${describeNode(node)})`, node.pos);
    return undefined;
  }
  const out: PyValue[] = [];
  for (const item of node.items) {
    if (item.kind === 'scalar' && item.value === null) continue;
    if (item.kind !== 'scalar' || typeof item.value !== 'string') {
      report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${what}: a dataset is a URI string (got ${describeNode(item)})`, item.pos);
      return undefined;
    }
    const uri = item.value.trim();
    if (uri === '') continue;
    if (!checkedUri(uri, item.pos, ctx)) return undefined;
    out.push(dataset(uri));
  }
  return out;
}

/**
 * `schedule: {datasets: ..., timetable: ...}`: the condition (a string, or a list of URIs meaning
 * all of them, as dag-factory joins it with `&`), with the time part when a timetable is given.
 */
export function datasetSchedule(node: YNode & { kind: 'map' }, ctx: ValueContext, timetable: (n: YNode) => PyValue | undefined): PyValue | undefined {
  if (entry(node, 'file')) {
    report(ctx, DiagnosticCode.UNSUPPORTED, "schedule: datasets read from another file ('file:') are not supported", node.pos, 'write the condition over dataset URIs in the DAG file');
    return undefined;
  }
  const datasets = entry(node, 'datasets')!.value;
  let text: string | undefined;
  if (datasets.kind === 'scalar' && typeof datasets.value === 'string') text = datasets.value;
  else if (datasets.kind === 'seq' && datasets.items.every((i) => i.kind === 'scalar' && typeof i.value === 'string')) {
    text = datasets.items.map((i) => String((i as { value: string }).value)).join(' & ');
  }
  if (text === undefined || text.trim() === '') {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `schedule.datasets must be a condition string or a list of dataset URIs (got ${describeNode(datasets)})`, datasets.pos);
    return undefined;
  }
  const condition = parseCondition(text, datasets.pos, ctx);
  if (condition === undefined) return undefined;
  const tt = entry(node, 'timetable');
  if (!tt) return condition;
  const time = timetable(tt.value);
  return time === undefined ? undefined : { $type: 'dataset_or_time', timetable: time, datasets: condition };
}

// dag-factory's token patterns (utils.extract_storage_names / extract_dataset_names).
const TOKEN = /\s*(?:([()&|])|([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[a-zA-Z0-9\-_/.]+)|([a-zA-Z_][a-zA-Z0-9_]*))/y;

/** A condition over datasets: operands are URIs or names, `&` binds tighter than `|`, parentheses group. */
export function parseCondition(text: string, pos: Pos, ctx: ValueContext): PyValue | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    if (/^\s*$/.test(text.slice(at))) break;
    const m = TOKEN.exec(text);
    if (!m) {
      report(ctx, DiagnosticCode.BAD_SCHEDULE, `schedule.datasets: unexpected '${text.slice(at).trim().slice(0, 20)}' in '${text}'`, pos, 'combine dataset URIs with &, | and parentheses, e.g. "(s3://b/a & s3://b/b) | s3://b/c"');
      return undefined;
    }
    tokens.push(m[0].trim());
  }
  let i = 0;
  const fail = (message: string): undefined => {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `schedule.datasets: ${message} in '${text}'`, pos);
    return undefined;
  };
  // Airflow flattens a chain of one operator: a & b & c is DatasetAll(a, b, c).
  const chain = (op: '&' | '|', next: () => PyValue | undefined): PyValue | undefined => {
    const first = next();
    if (first === undefined) return undefined;
    const parts = [first];
    while (tokens[i] === op) {
      i++;
      const part = next();
      if (part === undefined) return undefined;
      parts.push(part);
    }
    if (parts.length === 1) return first;
    const kind = op === '&' ? 'dataset_all' : 'dataset_any';
    // As Python evaluates it: (a & b) & c extends the left DatasetAll.
    const head = first as { $type?: string; objects?: PyValue[] };
    return { $type: kind, objects: head.$type === kind ? [...head.objects!, ...parts.slice(1)] : parts };
  };
  const operand = (): PyValue | undefined => {
    const t = tokens[i++];
    if (t === undefined) return fail('a dataset is missing at the end');
    if (t === '(') {
      const inner = chain('|', () => chain('&', operand));
      if (inner === undefined) return undefined;
      if (tokens[i++] !== ')') return fail("a ')' is missing");
      return inner;
    }
    if (t === ')' || t === '&' || t === '|') return fail(`'${t}' where a dataset was expected`);
    return checkedUri(t, pos, ctx) ? dataset(t) : undefined;
  };
  const result = chain('|', () => chain('&', operand));
  if (result === undefined) return undefined;
  if (i < tokens.length) return fail(`unexpected '${tokens[i]}'`);
  return result;
}
