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

/** What one map index gets: argument name → value. */
export type MappedArgs = Record<string, unknown>;

export type Expansion = { ok: true; items: MappedArgs[] } | { ok: false; error: string };

/** The XComArgs a mapping reads (resolved by the caller before {@link expandItems}). */
export function expandReferences(expand: TaskExpand): XComArgRef[] {
  if (expand.kind === 'kwargs_list') return isTagged(expand.value, 'xcom_arg') ? [expand.value] : [];
  const value = expand.value as Record<string, PyValue>;
  return Object.values(value).filter((v): v is XComArgRef => isTagged(v, 'xcom_arg'));
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

function isPlainDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { $type?: unknown }).$type !== 'string';
}

/** What a mapped argument iterates over, or why it cannot be mapped (Airflow's UnmappableXComTypePushed). */
function sequenceOf(value: unknown, what: string, fromXCom: boolean): unknown[] | string {
  if (Array.isArray(value)) return value;
  if (isPlainDict(value)) return Object.entries(value);
  const type = value === null ? 'NoneType' : typeof value === 'string' ? 'str' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'boolean' ? 'bool' : 'object';
  return fromXCom ? `unmappable return type '${type}' pushed for ${what} (map over a list or a dict)` : `cannot map over a '${type}' for ${what}`;
}

/** Every map index's arguments, in map_index order. */
export function expandItems(expand: TaskExpand, xcoms: ResolvedXComs): Expansion {
  if (expand.kind === 'kwargs_list') {
    const fromXCom = isTagged(expand.value, 'xcom_arg');
    const list = fromXCom ? xcoms.get(expand.value as XComArgRef) : expand.value;
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
    const raw = (expand.value as Record<string, PyValue>)[name];
    const fromXCom = isTagged(raw, 'xcom_arg');
    const seq = sequenceOf(fromXCom ? xcoms.get(raw as XComArgRef) : raw, `argument '${name}'`, fromXCom);
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

/** The task's arguments for one map index: the mapped values over the fixed (partial) ones. */
export function argsForIndex(expand: TaskExpand, args: Record<string, PyValue>, item: MappedArgs): Record<string, PyValue> {
  const values = item as Record<string, PyValue>;
  if (expand.target === 'args') return { ...args, ...values };
  const fixed = isPlainDict(args.op_kwargs) ? (args.op_kwargs as Record<string, PyValue>) : {};
  return { ...args, op_kwargs: { ...fixed, ...values } };
}
