/**
 * One dag-factory DAG (DagBuilder.get_dag_params + build): the `default` block merged under the
 * DAG's own configuration, DAG arguments converted the way dag-factory converts them, then task
 * groups, tasks and dependencies, and finally the shared model builder.
 */
import { buildDag, isDagArgument, scheduleFromValue } from '../../model/build.js';
import { isDatasetValue } from '../../model/datasets.js';
import { DiagnosticBag, DiagnosticCode } from '../../model/diagnostics.js';
import type { Dag, PyValue } from '../../model/schema.js';
import { didYouMean } from '../../util/suggest.js';
import { DAG_CALLBACKS, callbackValue, convertDefaultArgs } from './args.js';
import { resolveDependencies } from './dependencies.js';
import { groupModel, readGroups, type GroupInfo } from './groups.js';
import { describeNode, entry, mergeConfigs, type Pos, type YEntry, type YMap, type YNode } from './nodes.js';
import { datasetList, datasetSchedule } from './datasets.js';
import { readTasks } from './tasks.js';
import { callableFromFile, dagFactoryDatetime, isValidZone, loc, mapToPy, report, timedelta, timestampDatetime, toPy, typeName, typedTimedelta, type ValueContext } from './values.js';

const DAG_ID = /^[A-Za-z0-9_.-]+$/;

/** Keys dag-factory reads itself (not passed to `DAG(...)` as they are). */
const FACTORY_KEYS = new Set([
  'tasks', 'task_groups', 'default_args', 'schedule', 'schedule_interval', 'timetable', 'dagrun_timeout_sec', 'timezone',
  'doc_md_file_path', 'doc_md_python_callable_file', 'doc_md_python_callable_name', 'doc_md_python_arguments',
  ...DAG_CALLBACKS.flatMap((c) => [`${c}_name`, `${c}_file`]),
]);
const POSITIVE_INTS = ['concurrency', 'max_active_tasks', 'max_active_runs'];
const BOOLEANS = ['catchup', 'is_paused_upon_creation', 'render_template_as_native_obj'];
const STRINGS = ['description', 'doc_md', 'dag_display_name'];

export interface DagInput {
  name: string;
  pos: Pos;
  config: YMap;
  defaults: YMap | undefined;
  file: string;
  now: Date;
  bag: DiagnosticBag;
}

const isNull = (n: YNode) => n.kind === 'scalar' && n.value === null;

/** Timetable classes skydag can express as a schedule: cron ones become cron, delta ones a timedelta. */
function timetableSchedule(className: string, args: Map<string, YNode>, at: Pos, ctx: ValueContext): PyValue | undefined {
  const short = className.slice(className.lastIndexOf('.') + 1);
  if (short === 'CronTriggerTimetable' || short === 'CronDataIntervalTimetable') {
    const cron = args.get('cron') ?? args.get('0');
    if (cron?.kind === 'scalar' && typeof cron.value === 'string') return cron.value;
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `${short} needs a cron expression`, cron?.pos ?? at);
    return undefined;
  }
  if (short === 'DeltaTriggerTimetable' || short === 'DeltaDataIntervalTimetable') {
    const delta = args.get('delta') ?? args.get('0');
    if (delta?.kind === 'map' && typeName(delta) !== undefined) {
      const seconds = typedTimedelta(delta, ctx);
      return seconds === undefined ? undefined : timedelta(seconds);
    }
    if (delta?.kind === 'scalar' && typeof delta.value === 'number') return timedelta(delta.value);
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `${short} needs a delta (a datetime.timedelta)`, delta?.pos ?? at);
    return undefined;
  }
  if (short === 'EventsTimetable') return eventsTimetable(args, at, ctx);
  report(ctx, DiagnosticCode.BAD_SCHEDULE, `timetable ${className} is not supported`, at, 'use a cron expression, a preset such as @daily, a timedelta or an EventsTimetable');
  return undefined;
}

/**
 * `EventsTimetable(event_dates, restrict_to_events=False, presorted=False, description=None)` as
 * dag-factory builds it: the dates as datetimes (unquoted YAML timestamps or `__type__:
 * datetime.datetime` maps; a naive one is UTC, as pendulum.instance reads it), the model's
 * events_timetable value (the Python front-end's).
 */
function eventsTimetable(args: Map<string, YNode>, at: Pos, ctx: ValueContext): PyValue | undefined {
  const dates = args.get('event_dates') ?? args.get('0');
  if (dates?.kind !== 'seq' || dates.items.length === 0) {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `EventsTimetable needs event_dates: a list of datetimes (got ${dates ? describeNode(dates) : 'nothing'})`, dates?.pos ?? at, 'e.g. event_dates: [2024-03-01 14:30:00, 2024-04-01 09:00:00]');
    return undefined;
  }
  const eventDates: PyValue[] = [];
  for (const d of dates.items) {
    if (d.kind === 'scalar' && typeof d.value === 'string' && !d.timestamp) {
      report(ctx, DiagnosticCode.BAD_SCHEDULE, `EventsTimetable event_dates must be datetimes, not the string '${d.value}'`, d.pos, 'write them unquoted (2024-03-01 14:30:00) or as {__type__: datetime.datetime, year: ..., month: ..., day: ...}');
      return undefined;
    }
    // PyYAML gives a timestamp with an offset as that instant (dag-factory's start_date rule does not apply).
    const value = d.kind === 'scalar' && d.timestamp ? timestampDatetime(d.timestamp) : dagFactoryDatetime(d, 'UTC', 'EventsTimetable event_dates', ctx);
    if (value === undefined) return undefined;
    if (value === null) {
      report(ctx, DiagnosticCode.BAD_SCHEDULE, 'EventsTimetable event_dates must be datetimes, not null', d.pos);
      return undefined;
    }
    eventDates.push(value);
  }
  const restrict = args.get('restrict_to_events') ?? args.get('1');
  if (restrict && !(restrict.kind === 'scalar' && typeof restrict.value === 'boolean')) {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `EventsTimetable restrict_to_events must be true or false (got ${describeNode(restrict)})`, restrict.pos);
    return undefined;
  }
  const description = args.get('description') ?? args.get('3');
  if (description && !isNull(description) && !(description.kind === 'scalar' && typeof description.value === 'string')) {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `EventsTimetable description must be a string (got ${describeNode(description)})`, description.pos);
    return undefined;
  }
  return {
    $type: 'events_timetable',
    event_dates: eventDates,
    restrict_to_events: restrict?.kind === 'scalar' && restrict.value === true,
    description: description?.kind === 'scalar' && typeof description.value === 'string' ? description.value : null,
  };
}

function timetableArgs(map: YMap, argsKey: string, paramsKey: string | undefined): Map<string, YNode> {
  const out = new Map<string, YNode>();
  const positional = entry(map, argsKey);
  if (positional?.value.kind === 'seq') positional.value.items.forEach((item, i) => out.set(String(i), item));
  const params = paramsKey ? entry(map, paramsKey)?.value : map;
  if (params?.kind === 'map') for (const e of params.entries) if (!e.key.startsWith('__')) out.set(e.key, e.value);
  return out;
}

/** A `schedule` / `schedule_interval` / `timetable` value as a schedule argument (undefined when invalid). */
function scheduleValue(key: string, node: YNode, ctx: ValueContext): PyValue | undefined {
  if (isNull(node)) return null;
  if (node.kind === 'scalar' && typeof node.value === 'string') {
    // dag-factory turns the string "None" into None.
    return node.value.trim().toLowerCase() === 'none' ? null : node.value;
  }
  if (node.kind === 'map' && typeName(node) !== undefined) {
    const t = typeName(node)!;
    if (t === 'datetime.timedelta' || t === 'pendulum.duration') {
      const seconds = typedTimedelta(node, ctx);
      return seconds === undefined ? undefined : timedelta(seconds);
    }
    if (t === 'dateutil.relativedelta.relativedelta') return toPy(node, ctx) ?? undefined;
    return timetableSchedule(t, timetableArgs(node, '__args__', undefined), node.pos, ctx);
  }
  if (key === 'timetable' && node.kind === 'map') {
    const callable = entry(node, 'callable')?.value;
    if (callable?.kind === 'scalar' && typeof callable.value === 'string') return timetableSchedule(callable.value, timetableArgs(node, 'args', 'params'), node.pos, ctx);
  }
  // dag-factory's dataset schedules: a list of URIs (all of them), or {datasets: condition, timetable: ...}.
  if (node.kind === 'seq' && key === 'schedule') {
    const list = datasetList(node, key, ctx);
    if (list !== undefined && list.length === 0) {
      report(ctx, DiagnosticCode.BAD_SCHEDULE, `DAG '${ctx.dagId}': ${key} lists no dataset`, node.pos, 'list dataset URIs, or use None');
      return undefined;
    }
    return list;
  }
  if (node.kind === 'map' && entry(node, 'datasets') && key === 'schedule') return datasetSchedule(node, ctx, (n) => scheduleValue('timetable', n, ctx));
  if (node.kind === 'seq' || (node.kind === 'map' && (entry(node, 'datasets') || entry(node, 'file')))) {
    report(ctx, DiagnosticCode.BAD_SCHEDULE, `DAG '${ctx.dagId}': ${key} cannot be a dataset schedule`, node.pos, 'give the datasets in schedule: (dag-factory reads them only there)');
    return undefined;
  }
  report(ctx, DiagnosticCode.BAD_SCHEDULE, `DAG '${ctx.dagId}': ${key} must be a cron expression, a preset such as @daily, or None (got ${describeNode(node)})`, node.pos);
  return undefined;
}

/** Which schedule key applies: the DAG's own setting wins over the default block's (either spelling). */
function scheduleEntry(own: YMap, defaults: YMap | undefined, ctx: ValueContext): YEntry | undefined {
  for (const level of [own, defaults]) {
    if (!level) continue;
    const found = ['schedule', 'schedule_interval', 'timetable'].map((k) => entry(level, k)).filter((e): e is YEntry => e !== undefined);
    if (found.length > 1) {
      report(ctx, DiagnosticCode.BAD_SCHEDULE, `DAG '${ctx.dagId}': give only one of ${found.map((e) => e.key).join(', ')}`, found[1]!.keyPos);
    }
    if (found.length > 0) return found[0];
  }
  return undefined;
}

export function buildYamlDag(input: DagInput): Dag {
  const { name: dagId, bag } = input;
  const ctx: ValueContext = { file: input.file, bag, now: input.now, dagId };
  const source = loc(ctx, input.pos);
  if (!DAG_ID.test(dagId) || dagId.length > 250) {
    report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `invalid dag_id '${dagId}': use at most 250 letters, digits, '_', '.' or '-'`, input.pos);
  }

  const config = mergeConfigs(input.config, input.defaults);
  const field = (key: string): YEntry | undefined => entry(config, key);
  const kwargs: Record<string, PyValue> = {};

  // default_args (dates in their own `timezone`, *_sec shortcuts, callbacks)
  const defaultArgs = convertDefaultArgs(field('default_args')?.value, ctx);
  kwargs.default_args = defaultArgs.values;

  // DAG-level dates use the DAG-level `timezone` (dag-factory's get_dag_params).
  let zone = 'UTC';
  const tz = field('timezone');
  if (tz && !isNull(tz.value)) {
    if (tz.value.kind === 'scalar' && typeof tz.value.value === 'string' && isValidZone(tz.value.value)) zone = tz.value.value;
    else report(ctx, DiagnosticCode.BAD_DATE, `unknown timezone ${tz.value.kind === 'scalar' ? `'${String(tz.value.value)}'` : describeNode(tz.value)}`, tz.value.pos, 'use an IANA zone name such as UTC or Europe/Paris');
  }
  const defaultArgsNode = field('default_args')?.value;
  let badStart = defaultArgsNode?.kind === 'map' && entry(defaultArgsNode, 'start_date') !== undefined && defaultArgs.values.start_date === undefined;

  const schedule = scheduleEntry(input.config, input.defaults, ctx);
  if (schedule) {
    const value = scheduleValue(schedule.key, schedule.value, ctx);
    if (value !== undefined) {
      const scratch = new DiagnosticBag();
      // A dataset schedule is checked by the model builder (its time part, if any, was converted above).
      if (!isDatasetValue(value)) scheduleFromValue(value, loc(ctx, schedule.value.pos), scratch, dagId);
      bag.items.push(...scratch.items);
      kwargs.schedule = scratch.hasErrors ? null : value;
    } else {
      kwargs.schedule = null;
    }
  }

  for (const e of config.entries) {
    const v = e.value;
    if (e.key === 'dag_id') {
      if (!(v.kind === 'scalar' && String(v.value) === dagId)) {
        report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `dag_id is ignored: dag-factory uses the top-level key '${dagId}' as the DAG id`, e.keyPos, undefined, 'warning');
      }
      continue;
    }
    if (e.key === 'start_date' || e.key === 'end_date') {
      const d = dagFactoryDatetime(v, zone, e.key, ctx);
      if (d !== undefined) kwargs[e.key] = d;
      else if (e.key === 'start_date') badStart = true;
      continue;
    }
    if (e.key === 'dagrun_timeout_sec') {
      if (v.kind === 'scalar' && typeof v.value === 'number' && v.value > 0) kwargs.dagrun_timeout = timedelta(v.value);
      else if (!isNull(v)) report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `dagrun_timeout_sec must be a positive number of seconds (got ${describeNode(v)})`, v.pos);
      continue;
    }
    if ((DAG_CALLBACKS as readonly string[]).includes(e.key)) {
      const ref = callbackValue(e.key, v, ctx);
      if (ref !== undefined) kwargs[e.key] = ref;
      continue;
    }
    const pairOf = DAG_CALLBACKS.find((c) => e.key === `${c}_name` || e.key === `${c}_file`);
    if (pairOf) {
      const nameEntry = field(`${pairOf}_name`);
      const fileEntry = field(`${pairOf}_file`);
      if (!nameEntry || !fileEntry) {
        report(ctx, DiagnosticCode.MISSING_ARGUMENT, `${e.key} needs ${nameEntry ? `${pairOf}_file` : `${pairOf}_name`} as well`, e.keyPos);
      } else if (e === nameEntry) {
        const ref = callableFromFile(nameEntry.value, fileEntry.value, pairOf, ctx);
        if (ref) kwargs[pairOf] = ref;
      }
      continue;
    }
    if (e.key === 'doc_md_file_path' || e.key === 'doc_md_python_callable_file') {
      report(ctx, DiagnosticCode.UNSUPPORTED, `${e.key} is not read by skydag; the DAG has no documentation from it`, e.keyPos, 'write the documentation in doc_md', 'warning');
      continue;
    }
    if (FACTORY_KEYS.has(e.key) || (e.key === 'dagrun_timeout' && field('dagrun_timeout_sec'))) continue;
    if (!isDagArgument(e.key)) {
      const known = [...FACTORY_KEYS, 'description', 'catchup', 'max_active_runs', 'max_active_tasks', 'concurrency', 'tags', 'params', 'start_date', 'end_date', 'doc_md', 'dagrun_timeout'];
      report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': unknown DAG argument '${e.key}' is ignored${didYouMean(e.key, known)}`, e.keyPos, undefined, 'warning');
      continue;
    }
    if (isNull(v)) continue;
    if (POSITIVE_INTS.includes(e.key)) {
      if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 1) kwargs[e.key] = v.value;
      else report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': ${e.key} must be a positive integer (got ${describeNode(v)})`, v.pos);
      continue;
    }
    if (BOOLEANS.includes(e.key)) {
      if (v.kind === 'scalar' && typeof v.value === 'boolean') kwargs[e.key] = v.value;
      else report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': ${e.key} must be true or false (got ${describeNode(v)})`, v.pos);
      continue;
    }
    if (STRINGS.includes(e.key)) {
      if (v.kind === 'scalar' && typeof v.value === 'string') kwargs[e.key] = v.value;
      else report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': ${e.key} must be a string (got ${describeNode(v)})`, v.pos);
      continue;
    }
    if (e.key === 'tags') {
      const items = v.kind === 'seq' ? v.items : [v];
      const tags: string[] = [];
      for (const item of items) {
        if (item.kind === 'scalar' && typeof item.value === 'string') tags.push(item.value);
        else report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': tags must be a list of strings (got ${describeNode(item)})`, item.pos);
      }
      kwargs.tags = tags;
      continue;
    }
    if (e.key === 'params') {
      if (v.kind === 'map') kwargs.params = mapToPy(v, ctx);
      else report(ctx, DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dagId}': params must be a mapping (got ${describeNode(v)})`, v.pos);
      continue;
    }
    kwargs[e.key] = toPy(v, ctx);
  }
  // dag-factory tags every DAG it builds.
  const tags = Array.isArray(kwargs.tags) ? kwargs.tags : [];
  if (!tags.includes('dagfactory')) tags.push('dagfactory');
  kwargs.tags = tags;

  const groups = readGroups(field('task_groups')?.value, ctx);
  const groupByName = new Map<string, GroupInfo>();
  for (const g of groups) groupByName.set(g.name, g);
  const dagParams = kwargs.params !== undefined && kwargs.params !== null && typeof kwargs.params === 'object' && !Array.isArray(kwargs.params) ? (kwargs.params as Record<string, PyValue>) : {};
  const records = readTasks({
    node: field('tasks')?.value,
    groups: groupByName,
    dagDefaultArgs: defaultArgs.values,
    dagDefaultArgLocs: defaultArgs.locs,
    dagParams,
    ctx,
  });
  resolveDependencies(records, groups, ctx);

  const scratch = new DiagnosticBag();
  const dag = buildDag(
    { dagId, kwargs, tasks: records.flatMap((r) => (r.task ? [r.task] : [])), groups: groups.map((g) => groupModel(g, ctx)), source },
    scratch,
  );
  // A start_date already reported as invalid is not reported again as missing.
  bag.items.push(...scratch.items.filter((d) => !(badStart && d.code === DiagnosticCode.BAD_DATE && d.message.includes('no start_date'))));
  return dag;
}
