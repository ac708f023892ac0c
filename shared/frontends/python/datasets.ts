/**
 * Airflow 2's dataset values as a DAG file builds them: `Dataset(uri, extra=None)`, `DatasetAll` /
 * `DatasetAny` (also made by `&` and `|`), `DatasetOrTimeSchedule(timetable=..., datasets=...)` and
 * the two data-interval timetables it can take. They are small objects; `datasetToPy` gives their
 * tagged model values (shared/model/datasets.ts reads them).
 */
import { datasetUriProblem } from '../../model/datasets.js';
import type { PyValue } from '../../model/schema.js';
import { asStr, bindArgs, concrete, fn } from './natives.js';
import { PyFail, list, str, typeName, type ObjectV, type Value } from './values.js';

const DATASET = 'Dataset';
const ALL = 'DatasetAll';
const ANY = 'DatasetAny';
const OR_TIME = 'DatasetOrTimeSchedule';
const TIMETABLE = 'Timetable';

const object = (kind: string, attrs: Record<string, Value>): ObjectV => ({ t: 'object', kind, attrs: new Map(Object.entries(attrs)) });

const isCondition = (v: Value): v is ObjectV => v.t === 'object' && (v.kind === DATASET || v.kind === ALL || v.kind === ANY);

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

/** The names `airflow.datasets` (and `airflow.timetables.datasets` / `.interval`) export. */
export function datasetExports(): Record<string, Value> {
  return {
    Dataset: fn(DATASET, 'airflow.datasets', (args, kwargs) => {
      const a = bindArgs('Dataset', args, kwargs, ['uri', 'extra']);
      const uri = asStr(a.uri, 'Dataset() uri');
      const problem = datasetUriProblem(uri);
      if (problem) throw new PyFail(problem);
      const extra = a.extra === undefined ? undefined : concrete(a.extra);
      if (extra !== undefined && extra.t !== 'dict' && extra.t !== 'none') throw new PyFail(`Dataset() extra must be a dict, not ${typeName(extra)}`);
      return object(DATASET, { uri: str(uri), extra: extra && extra.t === 'dict' ? extra : { t: 'dict', map: new Map() } });
    }),
    DatasetAll: fn(ALL, 'airflow.datasets', (args) => conditionParts(ALL, args)),
    DatasetAny: fn(ANY, 'airflow.datasets', (args) => conditionParts(ANY, args)),
    DatasetOrTimeSchedule: fn(OR_TIME, 'airflow.timetables.datasets', (args, kwargs) => {
      if (args.length > 0) throw new PyFail('DatasetOrTimeSchedule() takes keyword arguments (timetable=..., datasets=...)');
      const a = bindArgs(OR_TIME, [], kwargs, [], ['timetable', 'datasets']);
      const timetable = a.timetable === undefined ? undefined : concrete(a.timetable);
      if (!timetable || timetable.t !== 'object' || timetable.kind !== TIMETABLE) {
        throw new PyFail('DatasetOrTimeSchedule() timetable must be CronDataIntervalTimetable or DeltaDataIntervalTimetable', "e.g. timetable=CronDataIntervalTimetable('0 1 * * *', timezone='UTC')");
      }
      const datasets = a.datasets === undefined ? undefined : concrete(a.datasets);
      const ok = datasets && (isCondition(datasets) || ((datasets.t === 'list' || datasets.t === 'tuple') && datasets.items.length > 0 && datasets.items.every((d) => isCondition(concrete(d)))));
      if (!ok) throw new PyFail('DatasetOrTimeSchedule() datasets must be a Dataset, a non-empty list of them, or a condition built with & and |');
      return object(OR_TIME, { timetable, datasets: datasets! });
    }),
    // The data-interval timetables are what `schedule='<cron>'` and `schedule=timedelta(...)` build;
    // as a DatasetOrTimeSchedule's time part they schedule the same way (in the DAG's time zone).
    CronDataIntervalTimetable: fn('CronDataIntervalTimetable', 'airflow.timetables.interval', (args, kwargs) => {
      const a = bindArgs('CronDataIntervalTimetable', args, kwargs, ['cron', 'timezone']);
      return object(TIMETABLE, { schedule: str(asStr(a.cron, 'CronDataIntervalTimetable() cron')) });
    }),
    DeltaDataIntervalTimetable: fn('DeltaDataIntervalTimetable', 'airflow.timetables.interval', (args, kwargs) => {
      const a = bindArgs('DeltaDataIntervalTimetable', args, kwargs, ['delta']);
      const delta = a.delta === undefined ? undefined : concrete(a.delta);
      if (!delta || delta.t !== 'timedelta') throw new PyFail('DeltaDataIntervalTimetable() delta must be a timedelta');
      return object(TIMETABLE, { schedule: delta });
    }),
  };
}

/** The model value of a dataset object; undefined when `v` is not one. `convert` turns nested values. */
export function datasetToPy(v: ObjectV, convert: (v: Value) => PyValue): PyValue | undefined {
  const items = (name: string) => (v.attrs.get(name) as { items: Value[] }).items.map(convert);
  switch (v.kind) {
    case DATASET:
      return { $type: 'dataset', uri: convert(v.attrs.get('uri')!), extra: convert(v.attrs.get('extra')!) };
    case ALL:
      return { $type: 'dataset_all', objects: items('objects') };
    case ANY:
      return { $type: 'dataset_any', objects: items('objects') };
    case OR_TIME:
      return { $type: 'dataset_or_time', timetable: convert((v.attrs.get('timetable') as ObjectV).attrs.get('schedule')!), datasets: convert(v.attrs.get('datasets')!) };
    default:
      return undefined;
  }
}
