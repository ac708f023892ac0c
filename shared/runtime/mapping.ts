/**
 * Dynamic task mapping (Airflow 2.10's expand inputs, airflow/models/expandinput.py): what each map
 * index of a mapped task is given. Pure: the XComArgs a mapping reads are resolved by the caller first.
 *
 * - `expand(a=[…], b=[…])` (DictOfListsExpandInput): the cross product, the last argument varying
 *   fastest; a dict is mapped over its (key, value) pairs; an XComArg over the list (or dict) pushed.
 * - `expand_kwargs([{…}, …])` (ListOfDictsExpandInput): one index per dict.
 */
import type { PyValue, TaskExpand, XComArgRef } from '../model/schema.js';
import { isTagged } from '../model/build.js';
import { appliesFunctions, combinedReferences, mappedXComArgs, plainReferences } from '../model/xcom-arg.js';

/** What one map index gets: argument name → value. */
export type MappedArgs = Record<string, unknown>;

export type Expansion = { ok: true; items: MappedArgs[] } | { ok: false; error: string };

/** The plain XComArgs a mapping reads (resolved by the caller before {@link expandItems}); zips are read through. */
export function expandReferences(expand: TaskExpand): XComArgRef[] {
  return mappedXComArgs(expand).flatMap(plainReferences);
}

const refKey = (ref: XComArgRef): string => `${ref.task_id}\u0000${ref.key}`;

/** Resolved XComArg values, by the reference. */
export class ResolvedXComs {
  private readonly values = new Map<string, unknown>();
  set(ref: XComArgRef, value: unknown): void {
    this.values.set(refKey(ref), value);
  }
  get(ref: XComArgRef): unknown {
    return this.values.get(refKey(ref));
  }
}

/**
 * An item the task's process works out: item `index` of the mapped argument `arg` (null: the
 * expand_kwargs() value), whose `.map()` functions only the DAG file has. The Python runner resolves
 * it from the loaded file's mapped task, as Airflow's worker resolves a MapXComArg.
 */
export interface MappedItemRef {
  $type: 'mapped_item';
  arg: string | null;
  index: number;
  /** One key of the item (a dict): a mapped task group's argument from its expand_kwargs() item. */
  key?: string;
}

/** The argument name a mapped operator's expand_kwargs() item is handed over under (the shim's own name). */
export const EXPAND_KWARGS_ARG = '__expand_kwargs__';

function isPlainDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $type?: unknown }).$type !== 'string';
}

function pyTypeOf(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return isPlainDict(value) ? 'dict' : 'object';
}

/** What a mapped argument iterates over, or why it cannot be mapped (Airflow's UnmappableXComTypePushed). */
function sequenceOf(value: unknown, what: string, fromXCom: boolean): unknown[] | string {
  if (Array.isArray(value)) return value;
  if (isPlainDict(value)) return Object.entries(value);
  const type = pyTypeOf(value);
  return fromXCom ? `unmappable return type '${type}' pushed for ${what} (map over a list or a dict)` : `cannot map over a '${type}' for ${what}`;
}

/** A mapped XComArg's items: known here, or only their count (items its `.map()` functions make). */
type RefItems = { items: unknown[] } | { length: number } | { error: string };
const countOf = (r: { items: unknown[] } | { length: number }): number => ('items' in r ? r.items.length : r.length);

/**
 * Airflow's ZipXComArg / ConcatXComArg / MapXComArg lengths (xcom_arg.py): a zip is as long as its
 * shortest input, or its longest with a fill value (missing places get it); a concat as all its
 * inputs together (a dict gives its keys, as iterating it does); a map keeps its input's length.
 */
function resolveRef(ref: XComArgRef, xcoms: ResolvedXComs, what: string): RefItems {
  let base: RefItems;
  const combined = ref.zip ? 'zip' : ref.concat ? 'concat' : undefined;
  if (combined) {
    const parts: Exclude<RefItems, { error: string }>[] = [];
    for (const arg of (ref.zip ?? ref.concat)!.args) {
      const part = resolveRef(arg, xcoms, what);
      if ('error' in part) return part;
      const value = xcoms.get(arg);
      const plain = !arg.zip && !arg.concat && !arg.map;
      if (plain && combined === 'zip' && 'items' in part && !Array.isArray(value)) return { error: `XCom zip expects a list for ${what}, not '${pyTypeOf(value)}'` };
      // A concatenated dict contributes its keys (_ConcatResult iterates it); sequenceOf gave its pairs.
      parts.push(plain && combined === 'concat' && isPlainDict(value) ? { items: Object.keys(value) } : part);
    }
    const lengths = parts.map(countOf);
    const known = parts.every((p) => 'items' in p);
    const lists = known ? parts.map((p) => (p as { items: unknown[] }).items) : [];
    if (ref.concat) {
      base = known ? { items: lists.flat(1) } : { length: lengths.reduce((a, b) => a + b, 0) };
    } else {
      const filled = 'fillvalue' in ref.zip!;
      const length = filled ? Math.max(...lengths) : Math.min(...lengths);
      const fill = ref.zip!.fillvalue ?? null;
      base = known ? { items: Array.from({ length }, (_, i) => lists.map((list) => (i < list.length ? list[i] : fill))) } : { length };
    }
  } else {
    const value = xcoms.get(ref);
    if (ref.map && !Array.isArray(value)) return { error: `XCom map expects a list for ${what}, not '${pyTypeOf(value)}'` };
    const seq = sequenceOf(value, what, true);
    base = typeof seq === 'string' ? { error: seq } : { items: seq };
  }
  if (!ref.map || 'error' in base) return base;
  return { length: countOf(base) };
}

/** A mapped argument's sequence: its items, or references to the items the task's process makes. */
function mappedSequence(raw: PyValue, arg: string | null, xcoms: ResolvedXComs, what: string): unknown[] | string {
  if (!isTagged(raw, 'xcom_arg')) return sequenceOf(raw, what, false);
  const resolved = resolveRef(raw, xcoms, what);
  if ('error' in resolved) return resolved.error;
  if ('items' in resolved) return resolved.items;
  return Array.from({ length: resolved.length }, (_, index): MappedItemRef => ({ $type: 'mapped_item', arg, index }));
}

/** Every map index's arguments, in map_index order. */
export function expandItems(expand: TaskExpand, xcoms: ResolvedXComs): Expansion {
  if (expand.kind === 'kwargs_list') {
    const fromXCom = isTagged(expand.value, 'xcom_arg');
    if (fromXCom && appliesFunctions(expand.value as XComArgRef)) {
      const seq = mappedSequence(expand.value, null, xcoms, 'expand_kwargs()');
      if (typeof seq === 'string') return { ok: false, error: seq };
      return { ok: true, items: seq.map((ref) => ({ [EXPAND_KWARGS_ARG]: ref })) };
    }
    const zipped = fromXCom && combinedReferences(expand.value as XComArgRef) ? mappedSequence(expand.value, null, xcoms, 'expand_kwargs()') : undefined;
    if (typeof zipped === 'string') return { ok: false, error: zipped };
    const list = zipped ?? (fromXCom ? xcoms.get(expand.value as XComArgRef) : expand.value);
    if (!Array.isArray(list)) return { ok: false, error: `expand_kwargs() ${fromXCom ? 'got an unmappable return type' : 'needs a list'}: map over a list of dicts` };
    const items: MappedArgs[] = [];
    for (const [i, item] of list.entries()) {
      if (!isPlainDict(item)) return { ok: false, error: `expand_kwargs() item ${i} is not a dict` };
      items.push({ ...item });
    }
    return { ok: true, items };
  }
  const names = Object.keys(expand.value as Record<string, PyValue>);
  const sequences: unknown[][] = [];
  for (const name of names) {
    const seq = mappedSequence((expand.value as Record<string, PyValue>)[name]!, name, xcoms, `argument '${name}'`);
    if (typeof seq === 'string') return { ok: false, error: seq };
    sequences.push(seq);
  }
  const total = sequences.reduce((n, seq) => n * seq.length, 1);
  const items: MappedArgs[] = [];
  for (let index = 0; index < total; index++) {
    const item: MappedArgs = {};
    // The last argument varies fastest (expandinput.py's _find_index_for_this_field).
    let rest = index;
    for (let k = names.length - 1; k >= 0; k--) {
      const seq = sequences[k]!;
      item[names[k]!] = seq[rest % seq.length];
      rest = Math.floor(rest / seq.length);
    }
    items.push(item);
  }
  return { ok: true, items };
}

/**
 * The task's arguments for one map index: the mapped values over the fixed (partial) ones; for a task
 * of a mapped task group, its `mapped_argument` values replaced by the index's (an expand_kwargs()
 * dict without the key is an error, as Airflow's MappedArgument.resolve raises KeyError).
 */
export function argsForIndex(expand: TaskExpand, args: Record<string, PyValue>, item: MappedArgs): Record<string, PyValue> {
  const values = item as Record<string, PyValue>;
  if (expand.target === 'group') return replaceMappedArguments(args, values) as Record<string, PyValue>;
  if (expand.target === 'args') return { ...args, ...values };
  const fixed = isPlainDict(args.op_kwargs) ? (args.op_kwargs as Record<string, PyValue>) : {};
  return { ...args, op_kwargs: { ...fixed, ...values } };
}

function replaceMappedArguments(value: PyValue, item: Record<string, PyValue>): PyValue {
  if (Array.isArray(value)) return value.map((v) => replaceMappedArguments(v, item));
  if (isTagged(value, 'mapped_argument')) {
    const name = (value as { name: string }).name;
    // An expand_kwargs() item the task's process makes (XComArg.map()): its key, read there.
    const made = item[EXPAND_KWARGS_ARG];
    if (isTagged(made, 'mapped_item')) return { ...(made as unknown as MappedItemRef), key: name } as unknown as PyValue;
    if (!Object.hasOwn(item, name)) throw new MappedArgumentError(`the mapped task group's input has no value for '${name}' at this map index`);
    return item[name]!;
  }
  if (!isPlainDict(value)) return value;
  const out: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(value)) out[k] = replaceMappedArguments(v as PyValue, item);
  return out;
}

/** A mapped task group's argument that one map index does not have. */
export class MappedArgumentError extends Error {}
