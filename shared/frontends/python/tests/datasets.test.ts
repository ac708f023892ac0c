/** Datasets (Airflow 2.10's data-aware scheduling) as the static reader sees them. */
import { conditionMet, describeCondition, resolveAliases } from '../../../model/datasets.js';
import { parse, parseOk, py, task } from './helpers.js';

const HEAD = py`
  from datetime import datetime, timedelta
  from airflow import DAG
  from airflow.datasets import Dataset, DatasetAll, DatasetAny
  from airflow.decorators import task
  from airflow.operators.bash import BashOperator
  from airflow.timetables.datasets import DatasetOrTimeSchedule
  from airflow.timetables.interval import CronDataIntervalTimetable

  orders = Dataset("s3://lake/orders.csv", extra={"team": "sales"})
  users = Dataset("s3://lake/users.csv")
  events = Dataset("s3://lake/events")
`;

describe('datasets', () => {
  it('records outlets of classic and TaskFlow tasks with their extra', () => {
    const dag = parseOk(`${HEAD}
with DAG("producer", start_date=datetime(2024, 1, 1), schedule="@daily"):
    BashOperator(task_id="write", bash_command="echo", outlets=[orders, users])

    @task(outlets=[events])
    def emit():
        return 1

    emit()
`).producer!;
    expect(task(dag, 'write').outlets).toEqual([{ uri: 's3://lake/orders.csv', extra: { team: 'sales' } }, { uri: 's3://lake/users.csv' }]);
    expect(task(dag, 'emit').outlets).toEqual([{ uri: 's3://lake/events' }]);
    expect(task(dag, 'write').args).not.toHaveProperty('outlets');
    expect(dag.dataset_schedule).toBeUndefined();
  });

  it('reads schedule=[...] as "all of" with no time schedule and no start_date needed', () => {
    const dag = parseOk(`${HEAD}
with DAG("consumer", schedule=[orders, users]):
    BashOperator(task_id="read", bash_command="echo")
`).consumer!;
    expect(dag.schedule).toEqual({ type: 'none' });
    expect(dag.dataset_schedule).toEqual({ all: [{ uri: 's3://lake/orders.csv' }, { uri: 's3://lake/users.csv' }] });
  });

  it('reads & and | (flattened like Airflow), DatasetAll/DatasetAny and a single dataset', () => {
    const dags = parseOk(`${HEAD}
with DAG("ops", start_date=datetime(2024, 1, 1), schedule=(orders & users & users) | events):
    BashOperator(task_id="a", bash_command="echo")
with DAG("fns", start_date=datetime(2024, 1, 1), schedule=DatasetAny(DatasetAll(orders, users), events)):
    BashOperator(task_id="a", bash_command="echo")
with DAG("one", start_date=datetime(2024, 1, 1), schedule=orders):
    BashOperator(task_id="a", bash_command="echo")
`);
    const expected = { any: [{ all: [{ uri: 's3://lake/orders.csv' }, { uri: 's3://lake/users.csv' }, { uri: 's3://lake/users.csv' }] }, { uri: 's3://lake/events' }] };
    expect(dags.ops!.dataset_schedule).toEqual(expected);
    expect(dags.fns!.dataset_schedule).toEqual({ any: [{ all: [{ uri: 's3://lake/orders.csv' }, { uri: 's3://lake/users.csv' }] }, { uri: 's3://lake/events' }] });
    expect(dags.one!.dataset_schedule).toEqual({ uri: 's3://lake/orders.csv' });
  });

  it('reads DatasetOrTimeSchedule as a time schedule plus a dataset condition', () => {
    const dag = parseOk(`${HEAD}
with DAG("both", start_date=datetime(2024, 1, 1), schedule=DatasetOrTimeSchedule(timetable=CronDataIntervalTimetable("0 1 * * *", timezone="UTC"), datasets=[orders, users])):
    BashOperator(task_id="a", bash_command="echo")
`).both!;
    expect(dag.schedule).toEqual({ type: 'cron', cron: '0 1 * * *', timezone: 'UTC' });
    expect(dag.dataset_schedule).toEqual({ all: [{ uri: 's3://lake/orders.csv' }, { uri: 's3://lake/users.csv' }] });
  });

  it('reads DatasetAlias (Airflow 2.10) in outlets, inlets and schedules, alone or in conditions', () => {
    const dags = parseOk(`${HEAD.replace('DatasetAll, DatasetAny', 'DatasetAll, DatasetAny, DatasetAlias')}
with DAG("alias_producer", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="w", bash_command="echo", outlets=[orders, DatasetAlias("a"), DatasetAlias("a")], inlets=[DatasetAlias("b")])
with DAG("on_alias", schedule=DatasetAlias("a")):
    BashOperator(task_id="r", bash_command="echo")
with DAG("mixed", schedule=[orders, DatasetAlias("a") | users]):
    BashOperator(task_id="r", bash_command="echo")
`);
    expect(task(dags.alias_producer!, 'w')).toMatchObject({ outlets: [{ uri: 's3://lake/orders.csv', extra: { team: 'sales' } }], outlet_aliases: ['a'], inlet_aliases: ['b'] });
    expect(task(dags.alias_producer!, 'w').inlets).toBeUndefined();
    expect(dags.on_alias!.dataset_schedule).toEqual({ alias: 'a' });
    const mixed = dags.mixed!.dataset_schedule!;
    expect(mixed).toEqual({ all: [{ uri: 's3://lake/orders.csv' }, { any: [{ alias: 'a' }, { uri: 's3://lake/users.csv' }] }] });
    expect(describeCondition(mixed)).toBe('s3://lake/orders.csv & (DatasetAlias(a) | s3://lake/users.csv)');
    // Unresolved, an alias is never met; resolved, it is any of its datasets.
    expect(conditionMet({ alias: 'a' }, new Set(['s3://x']))).toBe(false);
    const resolved = resolveAliases(mixed, new Map([['a', ['s3://x', 's3://y']]]));
    expect(resolved).toEqual({ all: [{ uri: 's3://lake/orders.csv' }, { any: [{ any: [{ uri: 's3://x' }, { uri: 's3://y' }] }, { uri: 's3://lake/users.csv' }] }] });
    expect(conditionMet(resolved, new Set(['s3://lake/orders.csv', 's3://y']))).toBe(true);
    expect(conditionMet(resolved, new Set(['s3://y']))).toBe(false);

    const bad = parse(`${HEAD.replace('DatasetAll, DatasetAny', 'DatasetAlias')}
empty = DatasetAlias("  ")
`);
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([expect.stringMatching(/DatasetAlias name cannot be empty/)]);
  });

  it('refuses invalid dataset URIs and conditions with Airflow\'s messages', () => {
    const r = parse(`${HEAD}
bad = Dataset("")
worse = Dataset("airflow://x")
with DAG("d", schedule=None):
    BashOperator(task_id="a", bash_command="echo", outlets=[orders | users])
`);
    const messages = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^13: .*Dataset URI cannot be empty/),
      expect.stringMatching(/^14: .*Dataset scheme 'airflow' is reserved/),
      expect.stringMatching(/^16: .*outlets take datasets, not a condition/),
    ]);
  });
});
