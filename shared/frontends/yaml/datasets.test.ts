/** dag-factory's datasets: inlets/outlets as URI lists, list and condition schedules, DatasetOrTimeSchedule. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseOk, task, yaml } from './test-helpers.js';

const BASH = 'operator: airflow.operators.bash.BashOperator';

describe('datasets in dag-factory YAML', () => {
  it('reads task inlets/outlets and a list schedule (all of the URIs), as dag-factory turns strings into Datasets', () => {
    const [producer, consumer] = parseOk(yaml`
      producer:
        default_args: {start_date: 2024-01-01}
        schedule: "0 5 * * *"
        tasks:
          write:
            ${BASH}
            bash_command: echo 1
            inlets: ['s3://b/raw/source.json']
            outlets: ['s3://b/raw/one.json', '', 's3://b/raw/two.json']
      consumer:
        default_args: {start_date: 2024-01-01}
        schedule: ['s3://b/raw/one.json', 's3://b/raw/two.json']
        tasks:
          read:
            ${BASH}
            bash_command: echo 2
    `);
    expect(task(producer!, 'write')).toMatchObject({ outlets: [{ uri: 's3://b/raw/one.json' }, { uri: 's3://b/raw/two.json' }], inlets: [{ uri: 's3://b/raw/source.json' }] });
    expect(task(producer!, 'write').args).not.toHaveProperty('outlets');
    expect(producer!.dataset_schedule).toBeUndefined();
    expect(consumer!.schedule).toEqual({ type: 'none' });
    expect(consumer!.dataset_schedule).toEqual({ all: [{ uri: 's3://b/raw/one.json' }, { uri: 's3://b/raw/two.json' }] });
  });

  it('reads schedule.datasets conditions (& before |, parentheses, names) and a timetable as DatasetOrTimeSchedule', () => {
    const [conditional, listed, timed] = parseOk(yaml`
      conditional:
        default_args: {start_date: 2024-01-01}
        schedule:
          datasets: "((s3://bucket-cff/file1.txt & s3://bucket-cff/file2.txt) | s3://bucket-cff/file3.txt) | named & other"
        tasks:
          t: {${BASH}, bash_command: echo}
      listed:
        default_args: {start_date: 2024-01-01}
        schedule:
          datasets: ['s3://a/x', 's3://a/y']
        tasks:
          t: {${BASH}, bash_command: echo}
      timed:
        default_args: {start_date: 2024-01-01}
        schedule:
          datasets: "s3://a/x | s3://a/y"
          timetable:
            __type__: airflow.timetables.trigger.CronTriggerTimetable
            cron: "0 1 * * 3"
            timezone: UTC
        tasks:
          t: {${BASH}, bash_command: echo}
    `);
    expect(conditional!.dataset_schedule).toEqual({
      any: [{ all: [{ uri: 's3://bucket-cff/file1.txt' }, { uri: 's3://bucket-cff/file2.txt' }] }, { uri: 's3://bucket-cff/file3.txt' }, { all: [{ uri: 'named' }, { uri: 'other' }] }],
    });
    expect(listed!.dataset_schedule).toEqual({ all: [{ uri: 's3://a/x' }, { uri: 's3://a/y' }] });
    expect(timed!.dataset_schedule).toEqual({ any: [{ uri: 's3://a/x' }, { uri: 's3://a/y' }] });
    expect(timed!.schedule).toMatchObject({ type: 'cron', cron: '0 1 * * 3' });
  });

  it('refuses bad conditions, bad URIs and file-based dataset lists with clear errors', () => {
    const errors = (source: string) => parse(source).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    const dag = (schedule: string, extra = '') => yaml`
      d:
        default_args: {start_date: 2024-01-01}
        schedule: ${schedule}
        tasks:
          t: {${BASH}, bash_command: echo${extra}}
    `;
    expect(errors(dag('{datasets: "(s3://a/x & s3://a/y"}'))).toEqual([expect.stringMatching(/schedule.datasets: a '\)' is missing/)]);
    expect(errors(dag('{datasets: "s3://a/x & | s3://a/y"}'))).toEqual([expect.stringMatching(/'\|' where a dataset was expected/)]);
    expect(errors(dag('{datasets: "s3://a/x ; s3://a/y"}'))).toEqual([expect.stringMatching(/unexpected ';/)]);
    expect(errors(dag("['airflow://x']"))).toEqual([expect.stringMatching(/Dataset scheme 'airflow' is reserved/)]);
    expect(errors(dag('{file: datasets.yml, datasets: [a]}'))).toEqual([expect.stringMatching(/datasets read from another file/)]);
    expect(errors(dag('"@daily"', ', outlets: s3://a/x'))).toEqual([expect.stringMatching(/outlets must be a list of dataset URIs/)]);
  });

  it("reads dag-factory's own datasets example (examples/dags)", () => {
    const dags = parseOk(readFileSync(join(__dirname, '../../../examples/dags/datasets_dag_factory.yml'), 'utf8'));
    expect(dags.map((d) => [d.dag_id, d.dataset_schedule !== undefined])).toEqual([
      ['example_datasets_producer', false],
      ['example_datasets_consumer', true],
    ]);
  });
});
