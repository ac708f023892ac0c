/**
 * Custom timetables end to end (Airflow 2.2+'s "Customizing DAG scheduling with timetables"): a
 * Timetable subclass in the plugins folder, a DAG file scheduled by it read by the real front-end,
 * and its Python code asked by the local runtime's Python runner for the scheduler's next runs, a
 * manual run's data interval and a backfill's runs — weekends skipped as the timetable says.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { createLocalRuntime } from '../../local/engine/wiring.js';
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { planBackfill } from '../../shared/scheduling/backfill.js';
import { FileDagProcessorLogs } from '../../local/engine/file-logs.js';
import { createCustomTimetables } from '../../shared/runtime/handlers/custom-timetables.js';
import { cachedCustomTimetables, nextRunInfo } from '../../shared/scheduling/custom-timetable.js';
import { schedulePass } from '../../shared/scheduling/scheduler.js';
import { recordingStarter, storeWith } from '../../shared/scheduling/test-support.js';
import { scanFixtureFolder } from '../helpers/dags-folder.js';
import { TempDirs } from './support.js';

/** After each weekday: the run covers the day and starts once it is over (the docs' AfterWorkdayTimetable, without holidays). */
const PLUGIN = `
from datetime import timedelta

from pendulum import UTC, Date, DateTime, Time

from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable


class AfterWeekdayTimetable(Timetable):
    def _weekday(self, d, incr=1):
        while d.weekday() in (5, 6):
            d = d.add(days=incr)
        return d

    def infer_manual_data_interval(self, run_after):
        start = DateTime.combine((run_after - timedelta(days=1)).date(), Time.min).replace(tzinfo=UTC)
        start = self._weekday(start, incr=-1)
        return DataInterval(start=start, end=(start + timedelta(days=1)))

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        print("asked after", last_automated_data_interval)
        if last_automated_data_interval is not None:
            next_start = DateTime.combine((last_automated_data_interval.start + timedelta(days=1)).date(), Time.min)
        elif (earliest := restriction.earliest) is None:
            return None
        elif not restriction.catchup:
            next_start = max(earliest, DateTime.combine(Date.today(), Time.min))
        elif earliest.time() != Time.min:
            next_start = DateTime.combine(earliest.date() + timedelta(days=1), Time.min)
        else:
            next_start = earliest
        next_start = self._weekday(next_start.replace(tzinfo=UTC))
        if restriction.latest is not None and next_start > restriction.latest:
            return None
        return DagRunInfo.interval(start=next_start, end=(next_start + timedelta(days=1)))


class Broken(AfterWeekdayTimetable):
    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        raise ValueError("no calendar for " + str(restriction.earliest.date()))


class WeekdayPlugin(AirflowPlugin):
    name = "weekday_plugin"
    timetables = [AfterWeekdayTimetable]
`;

const DAG_FILE = `
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from weekday_timetable import AfterWeekdayTimetable, Broken

with DAG(dag_id="weekdays", start_date=pendulum.datetime(2024, 1, 5, tz="UTC"), schedule=AfterWeekdayTimetable(), catchup=True):
    BashOperator(task_id="report", bash_command="echo {{ data_interval_start }}")

with DAG(dag_id="broken_calendar", start_date=pendulum.datetime(2024, 1, 5, tz="UTC"), schedule=Broken()):
    BashOperator(task_id="report", bash_command="true")
`;

const temp = new TempDirs();
let runtime: LocalRuntime;
afterAll(() => {
  runtime?.close();
  temp.cleanup();
});

const day = (iso: string) => iso.slice(0, 10);

it('the scheduler, manual runs and backfills ask the timetable; one that raises is reported with its log', async () => {
  const root = temp.make('skydag-timetable-');
  const dagsFolder = join(root, 'dags');
  const home = join(root, 'home');
  mkdirSync(dagsFolder);
  mkdirSync(join(root, 'plugins'));
  writeFileSync(join(root, 'plugins', 'weekday_timetable.py'), PLUGIN);
  writeFileSync(join(dagsFolder, 'weekdays.py'), DAG_FILE);
  runtime = createLocalRuntime({ dagsFolder, home });

  const scan = scanFixtureFolder(dagsFolder);
  expect(scan.files.flatMap((f) => f.diagnostics).filter((d) => d.severity === 'error')).toEqual([]);
  const dags = [...scan.dags.values()].map((d) => d.dag).sort((a, b) => a.dag_id.localeCompare(b.dag_id));
  expect(dags.map((d) => [d.dag_id, d.schedule])).toEqual([
    ['broken_calendar', { type: 'custom', timetable: 'Broken' }],
    ['weekdays', { type: 'custom', timetable: 'AfterWeekdayTimetable' }],
  ]);
  const versions = dags.map((dag) => runtime.register(dag));
  const store = await storeWith(dags, versions.map((current_version) => ({ current_version })), runtime.store as MemoryMetadataStore);
  const starter = recordingStarter();
  const pass = (now: string) =>
    schedulePass({ store, now: new Date(now), startRun: starter.startRun, dagModel: (id, version) => runtime.dags.getDag(id, version), customTimetables: runtime.deps.timetables });

  // Friday Jan 5 (start_date) to Tuesday Jan 9 noon: the runs of Fri, Mon — not the weekend; Tuesday's is not over yet.
  const first = await pass('2024-01-09T12:00:00Z');
  const weekdays = (await store.listDagRuns('weekdays')).map((r) => [r.run_id, day(r.data_interval_start), day(r.data_interval_end)]);
  expect(weekdays.sort()).toEqual([
    ['scheduled__2024-01-05T00:00:00+00:00', '2024-01-05', '2024-01-06'],
    ['scheduled__2024-01-08T00:00:00+00:00', '2024-01-08', '2024-01-09'],
  ]);
  const record = await store.getDag('weekdays');
  expect([record!.next_dagrun, record!.next_dagrun_data_interval_start, record!.next_dagrun_data_interval_end]).toEqual([
    '2024-01-09T00:00:00.000Z',
    '2024-01-09T00:00:00.000Z',
    '2024-01-10T00:00:00.000Z',
  ]);
  // The raising timetable: that DAG's error names the exception and its log; the other DAG went on.
  const logFile = join(home, 'logs', 'scheduler', 'weekdays.py.log');
  expect(first.errors).toEqual([
    { dag_id: 'broken_calendar', message: expect.stringMatching(new RegExp(`^CustomTimetableError: the timetable Broken of DAG broken_calendar failed in next_dagrun_info\\(\\): .*ValueError: no calendar for 2024-01-05 \\(see ${logFile}\\)$`)) },
  ]);
  const log = readFileSync(logFile, 'utf8');
  expect(log).toMatch(/Asking the timetable Broken of DAG broken_calendar: next_dagrun_info[\s\S]*Traceback[\s\S]*ValueError: no calendar/);
  expect(log).toMatch(/Asking the timetable AfterWeekdayTimetable of DAG weekdays: next_dagrun_info\nasked after None\n/);

  // A manual run triggered on a Sunday covers the last weekday before it: Friday.
  const manual = await runtime.trigger('weekdays', { logicalDate: new Date('2024-01-14T10:00:00Z'), runId: 'manual_sunday' });
  expect([day(manual.data_interval_start), day(manual.data_interval_end)]).toEqual(['2024-01-12', '2024-01-13']);

  // A backfill over two weeks: the timetable's weekdays only.
  const plan = await planBackfill(dags[1]!, new Date('2024-01-11T00:00:00Z'), new Date('2024-01-17T00:00:00Z'), { now: new Date('2024-02-01T00:00:00Z'), timetables: runtime.deps.timetables });
  expect(plan.runs.map((r) => day(r.logical_date))).toEqual(['2024-01-11', '2024-01-12', '2024-01-15', '2024-01-16', '2024-01-17']);
}, 120_000);

it("Airflow's example AfterWorkdayTimetable (airflow.example_dags.plugins.workday) skips weekends", async () => {
  const root = temp.make('skydag-workday-');
  writeFileSync(
    join(root, 'workday.py'),
    [
      'import pendulum',
      'from airflow.example_dags.plugins.workday import AfterWorkdayTimetable',
      'from airflow.models.dag import DAG',
      'from airflow.operators.empty import EmptyOperator',
      'with DAG(dag_id="workday", start_date=pendulum.datetime(2024, 3, 1, 6, tz="UTC"), schedule=AfterWorkdayTimetable()):',
      '    EmptyOperator(task_id="run_this")',
      '',
    ].join('\n'),
  );
  const local = createLocalRuntime({ dagsFolder: root, home: join(root, 'home') });
  try {
    const dag = scanFixtureFolder(root).dags.get('workday')!.dag;
    expect(dag.schedule).toEqual({ type: 'custom', timetable: 'AfterWorkdayTimetable' });
    local.register(dag);
    // The first scheduled run: start_date is not at midnight, so the first whole day after it (Sat Mar 2) rolls on to Monday.
    const first = await nextRunInfo(dag, null, { now: new Date('2024-04-01T00:00:00Z'), timetables: local.deps.timetables });
    expect(first!.logicalDate.toISOString()).toBe('2024-03-04T00:00:00.000Z');
    // A backfill's range: its days, weekends skipped.
    const plan = await planBackfill(dag, new Date('2024-03-01T00:00:00Z'), new Date('2024-03-11T00:00:00Z'), { now: new Date('2024-04-01T00:00:00Z'), timetables: local.deps.timetables });
    expect(plan.runs.map((r) => day(r.logical_date))).toEqual(['2024-03-01', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08', '2024-03-11']);
    const run = await local.trigger('workday', { logicalDate: new Date('2024-03-11T09:00:00Z') });
    expect([day(run.data_interval_start), day(run.data_interval_end)]).toEqual(['2024-03-08', '2024-03-09']);
  } finally {
    local.close();
  }
}, 60_000);

it('a timetable that hangs is stopped at the time limit and reported; the failure is kept for a minute', async () => {
  const root = temp.make('skydag-hanging-');
  const dagsFolder = join(root, 'dags');
  mkdirSync(dagsFolder);
  writeFileSync(
    join(dagsFolder, 'hangs.py'),
    [
      'import time',
      'import pendulum',
      'from airflow import DAG',
      'from airflow.operators.empty import EmptyOperator',
      'from airflow.timetables.base import Timetable',
      'class Forever(Timetable):',
      '    def next_dagrun_info(self, *, last_automated_data_interval, restriction):',
      '        print("thinking")',
      '        time.sleep(600)',
      'with DAG(dag_id="hangs", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=Forever()):',
      '    EmptyOperator(task_id="t")',
      '',
    ].join('\n'),
  );
  const local = createLocalRuntime({ dagsFolder, home: join(root, 'home') });
  try {
    const dag = scanFixtureFolder(dagsFolder).dags.get('hangs')!.dag;
    local.register(dag);
    const timetables = cachedCustomTimetables(createCustomTimetables(local.deps, new FileDagProcessorLogs(join(root, 'home', 'logs', 'scheduler')), 1500));
    const started = Date.now();
    await expect(nextRunInfo(dag, null, { now: new Date(), timetables })).rejects.toThrow(/the timetable Forever of DAG hangs failed in next_dagrun_info\(\): .*did not return within 1.5 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Asked again within the minute: the kept failure, without starting Python.
    const again = Date.now();
    await expect(nextRunInfo(dag, null, { now: new Date(), timetables })).rejects.toThrow(/did not return within 1.5 s/);
    expect(Date.now() - again).toBeLessThan(1000);
  } finally {
    local.close();
  }
}, 60_000);
