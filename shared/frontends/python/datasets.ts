/**
 * Airflow 2's dataset values as a DAG file builds them: `Dataset(uri, extra=None)`, `DatasetAll` /
 * `DatasetAny` (also made by `&` and `|`), `DatasetOrTimeSchedule(timetable=..., datasets=...)` and
 * the timetables (`CronDataIntervalTimetable`, `DeltaDataIntervalTimetable`, `CronTriggerTimetable`,
 * `EventsTimetable`)
 * given as `schedule=`/`timetable=` or as its time part. They are small objects; `datasetToPy` gives their
 * tagged model values (shared/model/datasets.ts reads them).
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { datasetUriProblem } from '../../model/datasets.js';
import type { PyValue } from '../../model/schema.js';
import { asStr, bindArgs, concrete, fn } from './natives.js';
import { NONE, PyFail, list, str, typeName, type ObjectV, type TimedeltaV, type Value } from './values.js';

const DATASET = 'Dataset';
const ALIAS = 'DatasetAlias';
const ALL = 'DatasetAll';
const ANY = 'DatasetAny';
const OR_TIME = 'DatasetOrTimeSchedule';
const TIMETABLE = 'Timetable';
const EVENTS = 'EventsTimetable';
const RELATIVEDELTA = 'relativedelta';
const CUSTOM_TIMETABLE = 'CustomTimetable';

const object = (kind: string, attrs: Record<string, Value>): ObjectV => ({ t: 'object', kind, attrs: new Map(Object.entries(attrs)) });

/** An instance of a Timetable subclass of the DAG's code: only its class is kept (Python builds and runs it). */
export function customTimetable(className: string): ObjectV {
  return object(CUSTOM_TIMETABLE, { class: str(className) });
}

const isCondition = (v: Value): v is ObjectV => v.t === 'object' && (v.kind === DATASET || v.kind === ALIAS || v.kind === ALL || v.kind === ANY);

function conditionParts(kind: string, args: Value[]): ObjectV {
  const parts = args.map(concrete);
  for (const p of parts) if (!isCondition(p)) throw new PyFail(`${kind}() takes datasets or dataset conditions, not ${typeName(p)}`);
  if (parts.length === 0) throw new PyFail(`${kind}() needs at least one dataset`);
  return object(kind, { objects: list(parts) });
}

/** `a & b`, `a | b` over datasets and conditions (Airflow's `BaseDataset.__and__` / `__or__`); undefined for other operands. */
export function datasetBinaryOp(op: string, a: Value, b: Value): Value | undefined {
  if ((op !== '&' && op !== '|') || !isCondition(a) || !isCondition(b)) return undefined;
  const kind = op === '&' ? ALL : ANY;
  // Airflow flattens a chain of the same operator: (a & b) & c is DatasetAll(a, b, c).
  const flat = (v: ObjectV): Value[] => (v.kind === kind ? ((v.attrs.get('objects') as { items: Value[] }).items) : [v]);
  return object(kind, { objects: list([...flat(a), ...flat(b)]) });
}

/** The names `airflow.datasets` (and `airflow.timetables.datasets` / `.interval` / `.trigger`) export. */
/** A Dataset (Airflow 3: an Asset) of `uri`, checked as Airflow checks it. */
function makeDataset(uri: string, extraArg: Value | undefined, what: string): Value {
  const problem = datasetUriProblem(uri);
  if (problem) throw new PyFail(problem);
  const extra = extraArg === undefined ? undefined : concrete(extraArg);
  if (extra !== undefined && extra.t !== 'dict' && extra.t !== 'none') throw new PyFail(`${what}() extra must be a dict, not ${typeName(extra)}`);
  return object(DATASET, { uri: str(uri), extra: extra && extra.t === 'dict' ? extra : { t: 'dict', map: new Map() } });
}

/** A DatasetAlias (Airflow 3: AssetAlias) named `nameArg`. */
function aliasOf(nameArg: Value | undefined, what: string): Value {
  const name = asStr(nameArg, `${what}() name`);
  if (name.length === 0 || name.trim().length === 0) throw new PyFail(`${what} name cannot be empty`);
  if (name.length > 3000) throw new PyFail(`${what} name is longer than 3000 characters`);
  return object(ALIAS, { name: str(name) });
}

export function datasetExports(): Record<string, Value> {
  return {
    Dataset: fn(DATASET, 'airflow.datasets', (args, kwargs) => {
      const a = bindArgs('Dataset', args, kwargs, ['uri', 'extra']);
      return makeDataset(asStr(a.uri, 'Dataset() uri'), a.extra, 'Dataset');
    }),
    // Airflow 3's names for the same things (airflow.sdk): an Asset is a Dataset whose uri defaults to its name.
    Asset: fn('Asset', 'airflow.sdk', (args, kwargs) => {
      const a = bindArgs('Asset', args, kwargs, ['name', 'uri'], ['group', 'extra', 'watchers']);
      if (a.name === undefined && a.uri === undefined) throw new PyFail('Asset() needs a name or a uri');
      const uri = asStr(a.uri !== undefined && concrete(a.uri).t !== 'none' ? a.uri : a.name, 'Asset() uri');
      return makeDataset(uri, a.extra, 'Asset');
    }),
    AssetAlias: fn('AssetAlias', 'airflow.sdk', (args, kwargs) => aliasOf(bindArgs('AssetAlias', args, kwargs, ['name'], ['group']).name, 'AssetAlias')),
    AssetAll: fn('AssetAll', 'airflow.sdk', (args) => conditionParts(ALL, args)),
    AssetAny: fn('AssetAny', 'airflow.sdk', (args) => conditionParts(ANY, args)),
    // Airflow 2.10: a name events are added through at run time (`outlet_events[alias].add(Dataset(...))`).
    DatasetAlias: fn(ALIAS, 'airflow.datasets', (args, kwargs) => aliasOf(bindArgs('DatasetAlias', args, kwargs, ['name']).name, 'DatasetAlias')),
    DatasetAll: fn(ALL, 'airflow.datasets', (args) => conditionParts(ALL, args)),
    DatasetAny: fn(ANY, 'airflow.datasets', (args) => conditionParts(ANY, args)),
    DatasetOrTimeSchedule: fn(OR_TIME, 'airflow.timetables.datasets', (args, kwargs) => {
      if (args.length > 0) throw new PyFail('DatasetOrTimeSchedule() takes keyword arguments (timetable=..., datasets=...)');
      const a = bindArgs(OR_TIME, [], kwargs, [], ['timetable', 'datasets']);
      const timetable = a.timetable === undefined ? undefined : concrete(a.timetable);
      // Any timetable (Airflow 2.10 takes a Timetable): a data-interval or trigger timetable, an EventsTimetable,
      // DeltaDataIntervalTimetable over a relativedelta, or a custom one.
      if (!timetable || timetable.t !== 'object' || ![TIMETABLE, EVENTS, RELATIVEDELTA, CUSTOM_TIMETABLE].includes(timetable.kind)) {
        throw new PyFail(
          'DatasetOrTimeSchedule() timetable must be a timetable: CronDataIntervalTimetable, DeltaDataIntervalTimetable, CronTriggerTimetable, EventsTimetable or a Timetable subclass',
          "e.g. timetable=CronDataIntervalTimetable('0 1 * * *', timezone='UTC')",
        );
      }
      const datasets = a.datasets === undefined ? undefined : concrete(a.datasets);
      const ok = datasets && (isCondition(datasets) || ((datasets.t === 'list' || datasets.t === 'tuple') && datasets.items.length > 0 && datasets.items.every((d) => isCondition(concrete(d)))));
      if (!ok) throw new PyFail('DatasetOrTimeSchedule() datasets must be a Dataset, a non-empty list of them, or a condition built with & and |');
      return object(OR_TIME, { timetable, datasets: datasets! });
    }),
    // The data-interval timetables are what `schedule='<cron>'` and `schedule=timedelta(...)` build;
    // a timetable's own `timezone=` overrides the DAG's for its ticks.
    CronDataIntervalTimetable: fn('CronDataIntervalTimetable', 'airflow.timetables.interval', (args, kwargs) => {
      const a = bindArgs('CronDataIntervalTimetable', args, kwargs, ['cron', 'timezone']);
      return timetable(str(asStr(a.cron, 'CronDataIntervalTimetable() cron')), zoneArg('CronDataIntervalTimetable', a.timezone), NONE);
    }),
    DeltaDataIntervalTimetable: fn('DeltaDataIntervalTimetable', 'airflow.timetables.interval', (args, kwargs) => {
      const a = bindArgs('DeltaDataIntervalTimetable', args, kwargs, ['delta']);
      // Over a relativedelta it is what `schedule=relativedelta(...)` builds.
      const delta = a.delta === undefined ? undefined : concrete(a.delta);
      if (delta?.t === 'object' && delta.kind === RELATIVEDELTA) return delta;
      return timetable(timedeltaArg('DeltaDataIntervalTimetable() delta', a.delta), NONE, NONE);
    }),
    // `CronTriggerTimetable(cron, *, timezone, interval=timedelta())` (airflow/timetables/trigger.py).
    CronTriggerTimetable: fn('CronTriggerTimetable', 'airflow.timetables.trigger', (args, kwargs) => {
      const a = bindArgs('CronTriggerTimetable', args, kwargs, ['cron'], ['timezone', 'interval']);
      if (a.timezone === undefined) throw new PyFail("CronTriggerTimetable() missing 1 required keyword-only argument: 'timezone'");
      const interval = a.interval === undefined ? ({ t: 'timedelta', us: 0 } as const) : timedeltaArg('CronTriggerTimetable() interval', a.interval);
      if (interval.us < 0) throw new PyFail('CronTriggerTimetable() interval must not be negative');
      return timetable(str(asStr(a.cron, 'CronTriggerTimetable() cron')), zoneArg('CronTriggerTimetable', a.timezone), interval);
    }),
    // `EventsTimetable(event_dates, restrict_to_events=False, presorted=False, description=None)` (airflow/timetables/events.py).
    EventsTimetable: fn(EVENTS, 'airflow.timetables.events', (args, kwargs) => {
      const a = bindArgs(EVENTS, args, kwargs, ['event_dates', 'restrict_to_events', 'presorted', 'description']);
      const dates = a.event_dates === undefined ? undefined : concrete(a.event_dates);
      if (!dates || (dates.t !== 'list' && dates.t !== 'tuple')) throw new PyFail(`EventsTimetable() event_dates must be a list of datetimes, not ${dates ? typeName(dates) : 'nothing'}`);
      const items = dates.items.map(concrete);
      for (const d of items) if (d.t !== 'datetime') throw new PyFail(`EventsTimetable() event_dates must be datetimes, not ${typeName(d)}`);
      // Airflow reads event_dates[0] for its description: an empty list is an IndexError.
      if (items.length === 0) throw new PyFail('IndexError: list index out of range', 'EventsTimetable needs at least one event date');
      const description = a.description === undefined ? NONE : concrete(a.description);
      if (description.t !== 'none' && description.t !== 'str') throw new PyFail(`EventsTimetable() description must be a str or None, not ${typeName(description)}`);
      const restrict = a.restrict_to_events === undefined ? { t: 'bool', v: false } as const : concrete(a.restrict_to_events);
      return object(EVENTS, { event_dates: list(items), restrict_to_events: restrict, description });
    }),
  };
}

/** A timetable object: its cron string or timedelta, its own zone (or None) and a trigger interval (None for data-interval timetables). */
function timetable(schedule: Value, timezone: Value, triggerInterval: Value): ObjectV {
  return object(TIMETABLE, { schedule, timezone, trigger_interval: triggerInterval });
}

function timedeltaArg(what: string, v: Value | undefined): TimedeltaV {
  const delta = v === undefined ? undefined : concrete(v);
  if (!delta || delta.t !== 'timedelta') throw new PyFail(`${what} must be a timedelta`);
  return delta;
}

/** A timetable's `timezone=`: a zone name or a pendulum/zoneinfo zone. */
function zoneArg(owner: string, v: Value | undefined): Value {
  const zone = v === undefined ? NONE : concrete(v);
  if (zone.t === 'none' || zone.t === 'str') return zone;
  if (zone.t === 'tz') return str(zone.name);
  throw new PyFail(`${owner}() timezone must be a zone name or a timezone, not ${typeName(zone)}`);
}

/** The model value of a dataset object; undefined when `v` is not one. `convert` turns nested values. */
export function datasetToPy(v: ObjectV, convert: (v: Value) => PyValue): PyValue | undefined {
  const items = (name: string) => (v.attrs.get(name) as { items: Value[] }).items.map(convert);
  switch (v.kind) {
    case DATASET:
      return { $type: 'dataset', uri: convert(v.attrs.get('uri')!), extra: convert(v.attrs.get('extra')!) };
    case ALIAS:
      return { $type: 'dataset_alias', name: convert(v.attrs.get('name')!) };
    case ALL:
      return { $type: 'dataset_all', objects: items('objects') };
    case ANY:
      return { $type: 'dataset_any', objects: items('objects') };
    case OR_TIME:
      return { $type: 'dataset_or_time', timetable: convert(v.attrs.get('timetable')!), datasets: convert(v.attrs.get('datasets')!) };
    case RELATIVEDELTA: {
      const absolute = [...v.attrs.keys()].filter((k) => k.startsWith('absolute_')).map((k) => `${k.slice('absolute_'.length)}=`);
      if (absolute.length > 0) {
        throw new PyFail(`a relativedelta with absolute fields (${absolute.join(', ')}) is not supported here (as a schedule or a value the model keeps)`, "use the relative fields (months=1, days=7, ...) or a cron schedule such as '0 0 1 * *'", DiagnosticCode.UNSUPPORTED);
      }
      return { $type: 'relativedelta', years: convert(v.attrs.get('years')!), months: convert(v.attrs.get('months')!), seconds: convert(v.attrs.get('seconds')!) };
    }
    case EVENTS:
      return {
        $type: 'events_timetable',
        event_dates: items('event_dates'),
        restrict_to_events: convert(v.attrs.get('restrict_to_events')!),
        description: convert(v.attrs.get('description')!),
      };
    case CUSTOM_TIMETABLE:
      return { $type: 'custom_timetable', class: convert(v.attrs.get('class')!) };
    case TIMETABLE:
      return {
        $type: 'timetable',
        schedule: convert(v.attrs.get('schedule')!),
        timezone: convert(v.attrs.get('timezone')!),
        trigger_interval: convert(v.attrs.get('trigger_interval')!),
      };
    default:
      return undefined;
  }
}
