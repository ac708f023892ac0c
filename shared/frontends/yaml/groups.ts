/**
 * dag-factory task groups: `task_groups` as a mapping (name → properties) or a list of mappings
 * with `group_name`; nesting through `parent_group_name`; ids prefixed like Airflow's TaskGroup
 * (`parent.child`, unless a parent sets `prefix_group_id: false`).
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import type { PyValue, TaskGroup } from '../../model/schema.js';
import { didYouMean } from '../../util/suggest.js';
import { convertDefaultArgs, type ArgLoc } from './args.js';
import { describeNode, entry, type Pos, type YEntry, type YMap, type YNode } from './nodes.js';
import { loc, report, type ValueContext } from './values.js';

export interface DepRef {
  name: string;
  pos: Pos;
  /** Set for TaskFlow `+name` arguments, which must name a task. */
  taskOnly?: boolean;
}

export interface GroupInfo {
  /** The name as written (what dependencies, task_group_name and parent_group_name use). */
  name: string;
  pos: Pos;
  parent: GroupInfo | null;
  /** Full id, with parent prefixes. */
  groupId: string;
  prefix: boolean;
  tooltip: string;
  deps: DepRef[];
  /** Own default_args merged over the parent's. */
  defaultArgs: Record<string, PyValue>;
  defaultArgLocs: Map<string, ArgLoc>;
  /** Ancestors from the outermost down to this group. */
  chain: GroupInfo[];
}

const GROUP_KEYS = [
  'group_name', 'tooltip', 'dependencies', 'parent_group_name', 'prefix_group_id', 'default_args', 'ui_color', 'ui_fgcolor',
  'add_suffix_on_collision', 'group_display_name',
];
const GROUP_ID = /^[\w-]+$/;

/** Reads a `dependencies` list (task or group names). */
export function readDependencies(node: YNode | undefined, ctx: ValueContext): DepRef[] {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return [];
  if (node.kind !== 'seq') {
    report(ctx, DiagnosticCode.YAML, `dependencies must be a list of task or task group names (got ${describeNode(node)})`, node.pos, 'e.g. dependencies: [extract, transform]');
    return [];
  }
  const out: DepRef[] = [];
  for (const item of node.items) {
    if (item.kind !== 'scalar' || item.value === null || typeof item.value === 'boolean' || item.timestamp) {
      report(ctx, DiagnosticCode.YAML, `a dependency must be a task or task group name (got ${describeNode(item)})`, item.pos);
      continue;
    }
    out.push({ name: String(item.value), pos: item.pos });
  }
  return out;
}

interface RawGroup {
  name: string;
  pos: Pos;
  conf: YMap | null;
}

function rawGroups(node: YNode | undefined, ctx: ValueContext): RawGroup[] {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return [];
  const out: RawGroup[] = [];
  const confOf = (name: string, value: YNode): YMap | null => {
    if (value.kind === 'map') return value;
    if (value.kind === 'scalar' && value.value === null) return null;
    report(ctx, DiagnosticCode.YAML, `task group '${name}' must be a mapping of properties (got ${describeNode(value)})`, value.pos);
    return null;
  };
  if (node.kind === 'map') {
    for (const e of node.entries) out.push({ name: e.key, pos: e.keyPos, conf: confOf(e.key, e.value) });
    return out;
  }
  if (node.kind === 'seq') {
    const seen = new Set<string>();
    for (const item of node.items) {
      const nameEntry = item.kind === 'map' ? entry(item, 'group_name') : undefined;
      if (item.kind !== 'map' || !nameEntry || nameEntry.value.kind !== 'scalar' || nameEntry.value.value === null) {
        report(ctx, DiagnosticCode.YAML, 'each task group in the list must be a mapping with a group_name', (nameEntry?.value ?? item).pos, 'e.g. - group_name: extract');
        continue;
      }
      const name = String(nameEntry.value.value);
      if (seen.has(name)) {
        report(ctx, DiagnosticCode.DUPLICATE_TASK_ID, `duplicate task group '${name}'`, nameEntry.value.pos);
        continue;
      }
      seen.add(name);
      out.push({ name, pos: nameEntry.keyPos, conf: item });
    }
    return out;
  }
  report(ctx, DiagnosticCode.YAML, `task_groups must be a mapping or a list of task groups (got ${describeNode(node)})`, node.pos);
  return [];
}

/** Reads and links the DAG's task groups, in file order. */
export function readGroups(node: YNode | undefined, ctx: ValueContext): GroupInfo[] {
  const raws = rawGroups(node, ctx);
  const byName = new Map<string, RawGroup>();
  for (const r of raws) byName.set(r.name, r);
  const infos = new Map<string, GroupInfo>();

  const get = (raw: RawGroup, visiting: string[]): GroupInfo => {
    const known = infos.get(raw.name);
    if (known) return known;
    const conf = raw.conf;
    const field = (key: string): YEntry | undefined => (conf ? entry(conf, key) : undefined);
    let parent: GroupInfo | null = null;
    const parentEntry = field('parent_group_name');
    if (parentEntry && !(parentEntry.value.kind === 'scalar' && parentEntry.value.value === null)) {
      const parentName = parentEntry.value.kind === 'scalar' ? String(parentEntry.value.value) : undefined;
      const parentRaw = parentName !== undefined ? byName.get(parentName) : undefined;
      if (parentName === undefined) {
        report(ctx, DiagnosticCode.YAML, `parent_group_name must be the name of a task group (got ${describeNode(parentEntry.value)})`, parentEntry.value.pos);
      } else if (!parentRaw) {
        report(ctx, DiagnosticCode.YAML, `task group '${raw.name}': unknown parent group '${parentName}'${didYouMean(parentName, byName.keys())}`, parentEntry.value.pos);
      } else if (visiting.includes(parentName) || parentName === raw.name) {
        report(ctx, DiagnosticCode.YAML, `task groups nest in a circle: ${[...visiting, raw.name, parentName].join(' → ')}`, parentEntry.value.pos);
      } else {
        parent = get(parentRaw, [...visiting, raw.name]);
      }
    }

    let prefix = true;
    const prefixEntry = field('prefix_group_id');
    if (prefixEntry) {
      if (prefixEntry.value.kind === 'scalar' && typeof prefixEntry.value.value === 'boolean') prefix = prefixEntry.value.value;
      else report(ctx, DiagnosticCode.ARGUMENT_TYPE, `prefix_group_id must be true or false (got ${describeNode(prefixEntry.value)})`, prefixEntry.value.pos);
    }
    let tooltip = '';
    const tooltipEntry = field('tooltip');
    if (tooltipEntry && !(tooltipEntry.value.kind === 'scalar' && tooltipEntry.value.value === null)) {
      if (tooltipEntry.value.kind === 'scalar' && typeof tooltipEntry.value.value === 'string') tooltip = tooltipEntry.value.value;
      else report(ctx, DiagnosticCode.ARGUMENT_TYPE, `tooltip must be a string (got ${describeNode(tooltipEntry.value)})`, tooltipEntry.value.pos);
    }
    for (const e of conf?.entries ?? []) {
      if (!GROUP_KEYS.includes(e.key)) {
        report(ctx, DiagnosticCode.UNKNOWN_ARGUMENT, `task group '${raw.name}': unknown argument '${e.key}'${didYouMean(e.key, GROUP_KEYS)}`, e.keyPos);
      }
    }
    if (!GROUP_ID.test(raw.name)) {
      report(ctx, DiagnosticCode.YAML, `task group name '${raw.name}' may contain only letters, digits, '_' and '-'`, raw.pos);
    }
    const own = convertDefaultArgs(field('default_args')?.value, ctx, 'group_default_args');
    const info: GroupInfo = {
      name: raw.name,
      pos: raw.pos,
      parent,
      groupId: childId(parent, raw.name),
      prefix,
      tooltip,
      deps: readDependencies(field('dependencies')?.value, ctx),
      defaultArgs: { ...(parent?.defaultArgs ?? {}), ...own.values },
      defaultArgLocs: new Map([...(parent?.defaultArgLocs ?? []), ...own.locs]),
      chain: [],
    };
    info.chain = [...(parent?.chain ?? []), info];
    infos.set(raw.name, info);
    return info;
  };

  return raws.map((r) => get(r, []));
}

/** A task's (or child group's) id inside `group`, as Airflow's TaskGroup.child_id builds it. */
export function childId(group: GroupInfo | null, label: string): string {
  return group && group.prefix ? `${group.groupId}.${label}` : label;
}

export function groupModel(g: GroupInfo, ctx: ValueContext): TaskGroup {
  return {
    group_id: g.groupId,
    parent_group_id: g.parent?.groupId ?? null,
    tooltip: g.tooltip,
    prefix_group_id: g.prefix,
    source: loc(ctx, g.pos),
  };
}
