/**
 * Reads a YAML file into a small located tree ({@link YNode}) with PyYAML's semantics, which is
 * what dag-factory loads files with (`yaml.load(..., Loader=FullLoader)`, YAML 1.1):
 *
 * - YAML 1.1 scalars: `yes`/`no`/`on`/`off` booleans, `0755` octal, `1:30` sexagesimal, timestamps
 *   (PyYAML's resolver, so `2024-01-01` is a date and `2024-1-1` stays a string);
 * - `<<` merge keys and aliases (merged keys first, explicit keys override, as PyYAML flattens);
 * - duplicate keys: the last value wins (as PyYAML), but they are also reported as syntax errors;
 * - dag-factory's `!join` tag (concatenates a sequence) and `!!python/name:module.func` callables.
 *
 * Every node keeps the 1-based line:col where it was written, for diagnostics.
 *
 * Aliases are bounded ({@link YAML_LIMITS}): a node read through an alias is shared, not copied, but
 * whatever later walks the tree (conversion to model values, `!join`) sees every copy, so a 1 KB
 * "billion laughs" document stands for 10⁹ nodes. The reader counts the nodes the document expands
 * to and refuses it past the limit. (The yaml package's own `maxAliasCount` only guards its `toJS`
 * conversion, which this reader does not use: it walks the document to keep line:col.)
 */
import { LineCounter, isAlias, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node as YamlNode } from 'yaml';

export interface Pos {
  line: number;
  col: number;
}

/** A YAML 1.1 timestamp as PyYAML reads it: a date, or a datetime (naive or with a UTC offset). */
export interface Timestamp {
  year: number;
  month: number;
  day: number;
  /** True for `2024-01-01` (a Python `date`), false for a datetime. */
  dateOnly: boolean;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** Offset from UTC in minutes, or null for a naive datetime. */
  offsetMinutes: number | null;
}

export interface YScalar {
  kind: 'scalar';
  pos: Pos;
  value: string | number | boolean | null;
  /** Set for plain scalars PyYAML reads as timestamps; `value` then holds the source text. */
  timestamp?: Timestamp;
  /** Set for `!!python/name:module.func` (a reference to a Python object). */
  pythonName?: string;
}
export interface YSeq {
  kind: 'seq';
  pos: Pos;
  items: YNode[];
}
export interface YEntry {
  key: string;
  keyPos: Pos;
  value: YNode;
}
export interface YMap {
  kind: 'map';
  pos: Pos;
  entries: YEntry[];
}
export type YNode = YScalar | YSeq | YMap;

/** Limits of one YAML DAG file (documented in docs/security.md). */
export const YAML_LIMITS = Object.freeze({
  /** Nodes the document may expand to with every alias and merge key replaced by its target. */
  maxExpandedNodes: 1_000_000,
  /** Characters of one `!join` result. */
  maxJoinLength: 10_000_000,
  /** Collections inside each other (real dag-factory files nest fewer than 20). */
  maxNesting: 200,
});

const TOO_DEEP = `the document is nested too deeply (more than ${YAML_LIMITS.maxNesting} levels of collections)`;

export interface YamlProblem {
  pos: Pos;
  message: string;
  /** Syntax errors (P001), structural problems found while reading (Y001), a spent budget (P006). */
  kind: 'syntax' | 'structure' | 'limit';
  severity: 'error' | 'warning';
}

export interface LoadedYaml {
  /** The document's root, or null for an empty document or when it could not be read. */
  root: YNode | null;
  problems: YamlProblem[];
}

// PyYAML's implicit timestamp resolver (YAML 1.1): a date needs two-digit month and day.
const PY_TIMESTAMP =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})|([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** Parses a scalar's source text with PyYAML's timestamp rule; undefined when it is not one. */
export function parseYamlTimestamp(text: string): Timestamp | undefined {
  const m = PY_TIMESTAMP.exec(text);
  if (!m) return undefined;
  if (m[1] !== undefined) {
    return { year: +m[1], month: +m[2]!, day: +m[3]!, dateOnly: true, hour: 0, minute: 0, second: 0, millisecond: 0, offsetMinutes: null };
  }
  const fraction = m[10] ?? '';
  let offsetMinutes: number | null = null;
  const tz = m[11];
  if (tz === 'Z') offsetMinutes = 0;
  else if (tz !== undefined) {
    const sign = tz.startsWith('-') ? -1 : 1;
    const [h, mm] = tz.slice(1).split(':');
    offsetMinutes = sign * (Number(h) * 60 + Number(mm ?? 0));
  }
  return {
    year: +m[4]!,
    month: +m[5]!,
    day: +m[6]!,
    dateOnly: false,
    hour: +m[7]!,
    minute: +m[8]!,
    second: +m[9]!,
    millisecond: fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
    offsetMinutes,
  };
}

// PyYAML's implicit int and float resolvers (YAML 1.1).
const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const PYTHON_NAME_TAG = 'tag:yaml.org,2002:python/name:';
const JOIN_TAG = '!join';
const STR_TAG = 'tag:yaml.org,2002:str';

/** `str(value)` as Python prints scalars (used by `!join`). */
export function pythonStr(v: string | number | boolean | null): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

const expandedSizes = new WeakMap<YNode, number>();

/** How many nodes `node` stands for with every shared (aliased) subtree counted at each place it appears. */
export function expandedSize(node: YNode): number {
  const known = expandedSizes.get(node);
  if (known !== undefined) return known;
  let size = 1;
  if (node.kind === 'seq') for (const item of node.items) size += expandedSize(item);
  else if (node.kind === 'map') for (const e of node.entries) size += 1 + expandedSize(e.value);
  expandedSizes.set(node, size);
  return size;
}

const fmt = (n: number) => n.toLocaleString('en-US');

class Reader {
  readonly problems: YamlProblem[] = [];
  private readonly done = new Map<YamlNode, YNode>();
  private readonly active = new Set<YamlNode>();
  /** Nodes read so far, each alias counted as the whole subtree it repeats. */
  private expanded = 0;
  /** Set once the document went over a {@link YAML_LIMITS} limit: later aliases read as null, and the document is refused. */
  exhausted = false;
  /** The node each alias refers to: the closest anchor of that name before it. */
  private readonly targets = new Map<Alias, YamlNode>();
  private depth = 0;

  constructor(
    doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {
    // One pass in document order (Alias.resolve scans the whole document for every alias instead:
    // quadratic, minutes for a few hundred KB of aliases).
    const latest = new Map<string, YamlNode>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = latest.get(node.source);
          if (target) this.targets.set(node, target);
        } else if (isNode(node) && node.anchor) latest.set(node.anchor, node);
      },
    });
  }

  pos(offset: number | undefined): Pos {
    const p = this.lines.linePos(offset ?? 0);
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  }

  problem(offset: number | undefined, message: string, severity: 'error' | 'warning' = 'error'): void {
    this.problems.push({ pos: this.pos(offset), message, kind: 'structure', severity });
  }

  read(node: YamlNode | null | undefined, fallbackOffset: number): YNode {
    if (node == null) return { kind: 'scalar', pos: this.pos(fallbackOffset), value: null };
    if (isAlias(node)) {
      const target = this.targets.get(node);
      if (!target) {
        this.problem(node.range?.[0], `unknown alias '*${node.source}'`);
        return { kind: 'scalar', pos: this.pos(node.range?.[0]), value: null };
      }
      if (this.exhausted) return { kind: 'scalar', pos: this.pos(node.range?.[0]), value: null };
      const shared = this.read(target, node.range?.[0] ?? fallbackOffset);
      this.expanded += expandedSize(shared);
      if (this.expanded > YAML_LIMITS.maxExpandedNodes) {
        this.exhausted = true;
        this.problems.push({
          pos: this.pos(node.range?.[0]),
          message: `alias '*${node.source}' makes the document expand to more than ${fmt(YAML_LIMITS.maxExpandedNodes)} nodes (aliases repeating aliases, as in a "billion laughs" file)`,
          kind: 'limit',
          severity: 'error',
        });
        return { kind: 'scalar', pos: this.pos(node.range?.[0]), value: null };
      }
      return shared;
    }
    const cached = this.done.get(node);
    if (cached) return cached;
    if (this.active.has(node)) {
      this.problem(node.range?.[0], 'recursive alias: a node cannot contain an alias of itself');
      return { kind: 'scalar', pos: this.pos(node.range?.[0]), value: null };
    }
    if (this.depth >= YAML_LIMITS.maxNesting) {
      if (!this.exhausted) this.problems.push({ pos: this.pos(node.range?.[0]), message: TOO_DEEP, kind: 'limit', severity: 'error' });
      this.exhausted = true;
      return { kind: 'scalar', pos: this.pos(node.range?.[0]), value: null };
    }
    this.active.add(node);
    this.expanded += 1;
    this.depth += 1;
    const out = this.readNode(node);
    this.depth -= 1;
    this.active.delete(node);
    this.done.set(node, out);
    return out;
  }

  private readNode(node: YamlNode): YNode {
    const pos = this.pos(node.range?.[0]);
    if (isScalar(node)) return this.readScalar(node, pos);
    if (isSeq(node)) {
      const items = node.items.map((item) => this.read(item as YamlNode | null, node.range?.[0] ?? 0));
      if (node.tag === JOIN_TAG) {
        const parts: string[] = [];
        let length = 0;
        for (const item of items) {
          if (item.kind !== 'scalar') this.problem(node.range?.[0], '!join takes a sequence of scalars');
          else {
            parts.push(pythonStr(item.value));
            length += parts[parts.length - 1]!.length;
          }
        }
        if (length > YAML_LIMITS.maxJoinLength) {
          this.exhausted = true;
          this.problems.push({ pos, message: `!join would build a string of ${fmt(length)} characters, over the limit of ${fmt(YAML_LIMITS.maxJoinLength)}`, kind: 'limit', severity: 'error' });
          return { kind: 'scalar', pos, value: null };
        }
        return { kind: 'scalar', pos, value: parts.join('') };
      }
      return { kind: 'seq', pos, items };
    }
    if (isMap(node)) return this.readMap(node.items, pos, node.range?.[0] ?? 0);
    return { kind: 'scalar', pos, value: null };
  }

  private readScalar(node: YamlNode & { value: unknown; source?: string; type?: string; tag?: string }, pos: Pos): YScalar {
    const tag = node.tag;
    const source = node.source ?? '';
    if (tag?.startsWith(PYTHON_NAME_TAG)) {
      return { kind: 'scalar', pos, value: tag.slice(PYTHON_NAME_TAG.length), pythonName: tag.slice(PYTHON_NAME_TAG.length) };
    }
    const value = node.value;
    if (tag === STR_TAG || typeof value === 'string') return { kind: 'scalar', pos, value: String(value) };
    if (value instanceof Date) {
      const timestamp = parseYamlTimestamp(source.trim());
      return timestamp ? { kind: 'scalar', pos, value: source.trim(), timestamp } : { kind: 'scalar', pos, value: source };
    }
    if (typeof value === 'boolean') {
      // The yaml package's 1.1 schema also reads y/n as booleans; PyYAML does not.
      if (/^[yYnN]$/.test(source)) return { kind: 'scalar', pos, value: source };
      return { kind: 'scalar', pos, value };
    }
    if (typeof value === 'number') {
      // The yaml package's 1.1 schema reads a few more forms as numbers than PyYAML (e1, 1e5, 09).
      if (node.type === 'PLAIN' && !tag && !PY_INT.test(source) && !PY_FLOAT.test(source)) return { kind: 'scalar', pos, value: source };
      return { kind: 'scalar', pos, value };
    }
    if (typeof value === 'bigint') return { kind: 'scalar', pos, value: Number(value) };
    if (value === null || value === undefined) return { kind: 'scalar', pos, value: null };
    return { kind: 'scalar', pos, value: source };
  }

  private readMap(pairs: readonly unknown[], pos: Pos, mapOffset: number): YMap {
    // PyYAML flattens merge keys first: merged mappings (the first one winning), then explicit keys.
    const merged: YEntry[] = [];
    const explicit: YEntry[] = [];
    for (const pair of pairs) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const keyOffset = keyNode?.range?.[0] ?? mapOffset;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const value = this.read(pair.value as YamlNode | null, keyOffset);
        const sources = value.kind === 'seq' ? value.items : [value];
        const chunks: YEntry[][] = [];
        for (const source of sources) {
          if (source.kind !== 'map') {
            this.problem(keyOffset, 'a << merge key takes a mapping or a sequence of mappings');
            continue;
          }
          chunks.push(source.entries);
        }
        for (const chunk of chunks.reverse()) merged.push(...chunk);
        continue;
      }
      let key: string;
      if (isScalar(keyNode)) {
        key = typeof keyNode.value === 'string' ? keyNode.value : keyNode.source ?? String(keyNode.value);
      } else if (keyNode == null) {
        key = '';
      } else {
        this.problem(keyOffset, 'mapping keys must be plain scalars');
        continue;
      }
      explicit.push({ key, keyPos: this.pos(keyOffset), value: this.read(pair.value as YamlNode | null, keyOffset) });
    }
    const entries: YEntry[] = [];
    const index = new Map<string, number>();
    for (const entry of [...merged, ...explicit]) {
      const at = index.get(entry.key);
      if (at === undefined) {
        index.set(entry.key, entries.length);
        entries.push(entry);
      } else {
        entries[at] = entry; // a later value replaces an earlier one but keeps its place (Python dicts)
      }
    }
    return { kind: 'map', pos, entries };
  }
}

/** Parses YAML text; syntax errors (including duplicate keys) are returned as problems. */
export function loadYaml(source: string): LoadedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, version: '1.1', prettyErrors: false, keepSourceTokens: false });
  const problems: YamlProblem[] = [];
  const at = (offset: number): Pos => {
    const p = lines.linePos(offset);
    return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
  };
  let fatal = false;
  for (const err of doc.errors) {
    const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (err.code === 'RESOURCE_EXHAUSTION' || message.includes('Maximum call stack size exceeded')) {
      // The parser ran out of stack: only deeply nested flow collections ([[[[...) do that. It may say
      // so once per unwound level, or pass the engine's RangeError on under another code (which, and
      // how often, depends on the stack left to it): one report is enough.
      if (fatal && problems.some((p) => p.message === TOO_DEEP)) continue;
      fatal = true;
      problems.push({ pos: at(err.pos[0]), message: TOO_DEEP, kind: 'limit', severity: 'error' });
    } else if (err.code === 'DUPLICATE_KEY') {
      problems.push({ pos: at(err.pos[0]), message: `${message} (the last value is used)`, kind: 'syntax', severity: 'error' });
    } else {
      fatal = true;
      problems.push({ pos: at(err.pos[0]), message, kind: 'syntax', severity: 'error' });
    }
  }
  for (const w of doc.warnings) {
    const message = w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    // Tags dag-factory understands are handled by the reader.
    if (w.code === 'TAG_RESOLVE_FAILED') {
      if (message.includes(PYTHON_NAME_TAG) || message.endsWith(JOIN_TAG)) continue;
      // PyYAML's FullLoader has no constructor for other tags: dag-factory cannot load the file.
      problems.push({ pos: at(w.pos[0]), message: `${message} (dag-factory only understands !join and !!python/name:)`, kind: 'structure', severity: 'error' });
      continue;
    }
    problems.push({ pos: at(w.pos[0]), message, kind: 'structure', severity: 'warning' });
  }
  if (fatal) return { root: null, problems };
  const reader = new Reader(doc, lines);
  const root = doc.contents == null ? null : reader.read(doc.contents as YamlNode, 0);
  problems.push(...reader.problems);
  // A document over its budget is not read at all (its partial tree would only cause echoes).
  if (reader.exhausted) return { root: null, problems };
  if (root && root.kind === 'scalar' && root.value === null) return { root: null, problems };
  return { root, problems };
}

export function entry(map: YMap, key: string): YEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

export function isNullNode(n: YNode | undefined): boolean {
  return n === undefined || (n.kind === 'scalar' && n.value === null && n.pythonName === undefined);
}

/** dag-factory's `merge_configs`: keys of `config` win; nested mappings are merged recursively. */
export function mergeConfigs(config: YMap, defaults: YMap | undefined): YMap {
  if (!defaults) return config;
  const entries: YEntry[] = config.entries.map((e) => {
    const d = entry(defaults, e.key);
    if (d && e.value.kind === 'map' && d.value.kind === 'map') return { ...e, value: mergeConfigs(e.value, d.value) };
    return e;
  });
  for (const d of defaults.entries) if (!entries.some((e) => e.key === d.key)) entries.push(d);
  return { kind: 'map', pos: config.pos, entries };
}

export function describeNode(n: YNode): string {
  if (n.kind === 'map') return 'a mapping';
  if (n.kind === 'seq') return 'a list';
  if (n.value === null) return 'null';
  if (n.timestamp) return n.timestamp.dateOnly ? 'a date' : 'a datetime';
  if (typeof n.value === 'string') return 'a string';
  if (typeof n.value === 'boolean') return 'a boolean';
  return 'a number';
}
