/**
 * dag-factory's argument conventions, applied to `default_args` (DagBuilder.get_dag_params) and to
 * task arguments (DagBuilder.make_task / adjust_general_task_params):
 *
 * - `*_sec` / `*_secs` shortcuts become timedeltas (retry_delay_sec, execution_timeout_secs, sla_secs,
 *   execution_delta_secs);
 * - `X_name` + `X_file` pairs become callables defined in that Python file (python_callable,
 *   callbacks, execution_date_fn, response_check);
 * - dotted strings become imported callables (python_callable, callbacks, execution_date_fn);
 * - dates in default_args go through get_datetime in the default_args `timezone`.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { PyValue } from '../../model/schema.js';
import { datasetList } from './datasets.js';
import { describeNode, entry, type Pos, type YEntry, type YMap, type YNode } from './nodes.js';
import {
  callableFromDotted,
  callableFromFile,
  dagFactoryDatetime,
  isValidZone,
  relativeTimeSeconds,
  report,
  timedelta,
  toPy,
  type ValueContext,
} from './values.js';

export interface ArgLoc {
  key: Pos;
  value: Pos;
}

export interface ConvertedArgs {
  values: Record<string, PyValue>;
  /** Where each resulting argument was written (converted keys point at their source key). */
  locs: Map<string, ArgLoc>;
}

/** dag-factory's seconds shortcuts and the Airflow argument each one sets. */
export const SECONDS_SHORTCUTS: Readonly<Record<string, string>> = {
  retry_delay_sec: 'retry_delay',
  execution_timeout_secs: 'execution_timeout',
  sla_secs: 'sla',
  execution_delta_secs: 'execution_delta',
};

export const TASK_CALLBACKS = ['on_execute_callback', 'on_success_callback', 'on_failure_callback', 'on_retry_callback', 'on_skipped_callback'] as const;
export const DAG_CALLBACKS = ['on_success_callback', 'on_failure_callback', 'sla_miss_callback'] as const;

/** Converts a callback value: a dotted path, or a mapping `{callback: dotted.path, ...params}`. */
export function callbackValue(name: string, node: YNode, ctx: ValueContext): PyValue | undefined {
  if (node.kind === 'scalar' && node.value === null) return null;
  if (node.kind === 'map') {
    const target = entry(node, 'callback');
    if (!target) {
      report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${name} given as a mapping needs a 'callback' key with the callable's import path`, node.pos);
      return undefined;
    }
    const ref = callableFromDotted(target.value, `${name}.callback`, ctx);
    if (ref && node.entries.length > 1) {
      report(ctx, DiagnosticCode.UNSUPPORTED, `${name}: callback parameters are not supported; ${ref.module}.${ref.name} is called without them`, node.pos, undefined, 'warning');
    }
    return ref;
  }
  if (node.kind === 'seq') {
    const refs = node.items.map((item) => callableFromDotted(item, name, ctx));
    return refs.every((r) => r !== undefined) ? refs : undefined;
  }
  return callableFromDotted(node, name, ctx);
}

function secondsValue(name: string, node: YNode, ctx: ValueContext): PyValue | undefined {
  if (node.kind === 'scalar' && node.value === null) return null;
  if (node.kind === 'scalar' && typeof node.value === 'number' && Number.isFinite(node.value) && node.value >= 0) return timedelta(node.value);
  report(ctx, DiagnosticCode.ARGUMENT_TYPE, `${name} must be a number of seconds (got ${describeNode(node)})`, node.pos);
  return undefined;
}

const PAIRED = ['python_callable', 'execution_date_fn', 'response_check', ...TASK_CALLBACKS, 'sla_miss_callback'];

export type ArgsKind = 'default_args' | 'task' | 'group_default_args';

export interface ConvertOptions {
  kind: ArgsKind;
  /** Keys handled by the caller (operator, dependencies, ...), skipped here. */
  skip?: ReadonlySet<string>;
  /** Zone for dates in default_args when no `timezone` key is given. */
  defaultZone?: string;
}

/** Applies dag-factory's conversions to a mapping of operator arguments. */
export function convertArgs(entries: readonly YEntry[], ctx: ValueContext, options: ConvertOptions): ConvertedArgs {
  const values: Record<string, PyValue> = {};
  const locs = new Map<string, ArgLoc>();
  const set = (name: string, value: PyValue, from: YEntry) => {
    values[name] = value;
    locs.set(name, { key: from.keyPos, value: from.value.pos });
  };
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const done = new Set<string>();
  const isDefaults = options.kind !== 'task';

  let zone = options.defaultZone ?? 'UTC';
  const tz = byKey.get('timezone');
  if (isDefaults && tz) {
    if (tz.value.kind === 'scalar' && typeof tz.value.value === 'string' && isValidZone(tz.value.value)) zone = tz.value.value;
    else if (!(tz.value.kind === 'scalar' && tz.value.value === null)) {
      report(ctx, DiagnosticCode.BAD_DATE, `unknown timezone ${tz.value.kind === 'scalar' ? `'${String(tz.value.value)}'` : describeNode(tz.value)}`, tz.value.pos, 'use an IANA zone name such as UTC or America/New_York');
    }
  }

  for (const e of entries) {
    if (done.has(e.key) || options.skip?.has(e.key)) continue;
    done.add(e.key);

    // X_name + X_file → callable X
    const pair = PAIRED.find((p) => e.key === `${p}_name` || e.key === `${p}_file`);
    if (pair) {
      const nameEntry = byKey.get(`${pair}_name`);
      const fileEntry = byKey.get(`${pair}_file`);
      done.add(`${pair}_name`).add(`${pair}_file`);
      if (!nameEntry || !fileEntry) {
        const missing = nameEntry ? `${pair}_file` : `${pair}_name`;
        report(ctx, DiagnosticCode.MISSING_ARGUMENT, `${e.key} needs ${missing} as well`, e.keyPos, `give both ${pair}_name (the function) and ${pair}_file (the Python file that defines it)`);
        continue;
      }
      const ref = callableFromFile(nameEntry.value, fileEntry.value, pair, ctx);
      if (ref) {
        values[pair] = ref;
        locs.set(pair, { key: e.keyPos, value: nameEntry.value.pos });
      }
      continue;
    }

    const shortcut = SECONDS_SHORTCUTS[e.key];
    if (shortcut !== undefined) {
      const v = secondsValue(e.key, e.value, ctx);
      if (v !== undefined) set(shortcut, v, e);
      continue;
    }
    // The shortcut wins over the argument it sets (dag-factory overwrites it).
    const shortcutFor = Object.entries(SECONDS_SHORTCUTS).find(([, target]) => target === e.key)?.[0];
    if (shortcutFor !== undefined && byKey.has(shortcutFor)) continue;

    if ((TASK_CALLBACKS as readonly string[]).includes(e.key) || e.key === 'sla_miss_callback') {
      const v = callbackValue(e.key, e.value, ctx);
      if (v !== undefined) set(e.key, v, e);
      continue;
    }

    if (isDefaults) {
      if (e.key === 'start_date' || e.key === 'end_date') {
        const v = dagFactoryDatetime(e.value, zone, `default_args.${e.key}`, ctx);
        if (v !== undefined) set(e.key, v, e);
        continue;
      }
      if (e.key === 'execution_timeout' && e.value.kind === 'scalar' && typeof e.value.value === 'number') {
        const v = secondsValue(e.key, e.value, ctx);
        if (v !== undefined) set(e.key, v, e);
        continue;
      }
    } else {
      if ((e.key === 'python_callable' || e.key === 'execution_date_fn') && e.value.kind === 'scalar' && typeof e.value.value === 'string') {
        const ref = callableFromDotted(e.value, e.key, ctx);
        if (ref) set(e.key, ref, e);
        continue;
      }
      if (e.key === 'execution_delta' && e.value.kind === 'scalar' && typeof e.value.value === 'string') {
        const seconds = relativeTimeSeconds(e.value.value);
        if (seconds === undefined) {
          report(ctx, DiagnosticCode.ARGUMENT_TYPE, `execution_delta '${e.value.value}' is not a relative time`, e.value.pos, 'e.g. "1 hour", "30 minutes", "1 day", or execution_delta_secs: 3600');
        } else {
          set(e.key, timedelta(seconds), e);
        }
        continue;
      }
      if (e.key === 'response_check_lambda') {
        report(ctx, DiagnosticCode.UNSUPPORTED, 'response_check_lambda is not supported: skydag does not evaluate Python lambdas from YAML', e.keyPos, 'define the check in a Python file and use response_check_name + response_check_file');
        continue;
      }
      if (e.key === 'variables_as_arguments') {
        report(ctx, DiagnosticCode.UNSUPPORTED, 'variables_as_arguments is ignored: Airflow Variables are not read when DAG files are parsed', e.keyPos, 'use a Jinja template such as "{{ var.value.my_variable }}" in the argument instead', 'warning');
        continue;
      }
      if (e.key === 'inlets' || e.key === 'outlets') {
        const list = datasetList(e.value, e.key, ctx);
        if (list !== undefined) set(e.key, list, e);
        continue;
      }
    }
    set(e.key, toPy(e.value, ctx), e);
  }
  return { values, locs };
}

/** The `default_args` mapping of a DAG or task group, converted; problems reported. */
export function convertDefaultArgs(node: YNode | undefined, ctx: ValueContext, kind: ArgsKind = 'default_args'): ConvertedArgs {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return { values: {}, locs: new Map() };
  if (node.kind !== 'map') {
    report(ctx, DiagnosticCode.YAML, `default_args must be a mapping (got ${describeNode(node)})`, node.pos);
    return { values: {}, locs: new Map() };
  }
  return convertArgs((node as YMap).entries, ctx, { kind });
}
