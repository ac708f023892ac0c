/**
 * A DAG's sla_miss_callback end to end (Airflow 2.10's manage_slas): DAG files of our own read by the
 * real front-end, the scheduling pass over the local runtime's store recording the misses, and the
 * callback run by the real Python runner through the local wiring (localSlaMissCallback), its output
 * in the DAG processor log under $SKYDAG_HOME/logs/scheduler/.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { createLocalRuntime } from '../../local/engine/wiring.js';
import { FileDagProcessorLogs } from '../../local/engine/file-logs.js';
import { localSlaMissCallback } from '../../local/scheduler/ticker.js';
import { createSlaMissCallback } from '../../shared/runtime/handlers/sla-callback.js';
import { schedulePass } from '../../shared/scheduling/scheduler.js';
import { recordingStarter, storeWith } from '../../shared/scheduling/test-support.js';
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { scanFixtureFolder } from '../helpers/dags-folder.js';
import { TempDirs } from './support.js';

const RECORDING_DAG = `
import json
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator


def record_sla_miss(dag, task_list, blocking_task_list, slas, blocking_tis):
    print("sla_miss_callback called for", dag.dag_id)
    with open(Variable.get("sla_out"), "a") as out:
        out.write(json.dumps({
            "dag": [type(dag).__name__, dag.dag_id, sorted(dag.task_ids)],
            "task_list": task_list,
            "blocking_task_list": blocking_task_list,
            "slas": [[type(s).__name__, s.dag_id, s.task_id, s.execution_date.isoformat(), s.timestamp.isoformat(),
                      s.email_sent, s.notification_sent, s.description, repr(s)] for s in slas],
            "blocking_tis": [[type(ti).__name__, ti.dag_id, ti.task_id, ti.run_id, ti.state, ti.execution_date.isoformat(),
                              ti.map_index, ti.task.task_id if ti.task is not None else None] for ti in blocking_tis],
        }) + "\\n")


with DAG(
    dag_id="sla_recorded",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    sla_miss_callback=record_sla_miss,
) as dag:
    slow = BashOperator(task_id="slow", bash_command="sleep 1", sla=timedelta(hours=1))
    after = BashOperator(task_id="after", bash_command="true")
    slow >> after
`;

const RAISING_DAG = `
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator


def broken_callback(dag, task_list, blocking_task_list, slas, blocking_tis):
    raise RuntimeError("the pager is down for " + dag.dag_id)


with DAG(
    dag_id="sla_raising",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    sla_miss_callback=broken_callback,
) as dag:
    BashOperator(task_id="late", bash_command="true", sla=timedelta(minutes=30))
`;

const PLAIN_DAG = `
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="sla_plain", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
    BashOperator(task_id="late", bash_command="true", sla=timedelta(minutes=30))
`;

const temp = new TempDirs();
let runtime: LocalRuntime;
afterAll(() => {
  runtime?.close();
  temp.cleanup();
});

const RUN = 'scheduled__2024-01-01T00:00:00+00:00';

it('records the miss, calls the DAG file’s sla_miss_callback once with Airflow’s arguments, and a raising callback breaks nothing', async () => {
  const dagsFolder = temp.make('skydag-sla-dags-');
  const home = temp.make('skydag-sla-home-');
  const out = join(temp.make('skydag-sla-out-'), 'calls.jsonl');
  writeFileSync(join(dagsFolder, 'sla_recorded.py'), RECORDING_DAG);
  writeFileSync(join(dagsFolder, 'sla_raising.py'), RAISING_DAG);
  writeFileSync(join(dagsFolder, 'sla_plain.py'), PLAIN_DAG);
  const variables = new Map<string, string>([['sla_out', out]]);
  runtime = createLocalRuntime({
    dagsFolder,
    home,
    variables: { get: async (key) => variables.get(key), set: async (key, value) => void variables.set(key, value) },
  });
  const scanned = [...scanFixtureFolder(dagsFolder).dags.values()].map((d) => d.dag).sort((a, b) => a.dag_id.localeCompare(b.dag_id));
  expect(scanned.map((d) => d.dag_id)).toEqual(['sla_plain', 'sla_raising', 'sla_recorded']);
  const versions = scanned.map((dag) => runtime.register(dag));
  const store = await storeWith(scanned, versions.map((current_version) => ({ current_version })), runtime.store as MemoryMetadataStore);
  const starter = recordingStarter();
  const slaMissCallback = localSlaMissCallback(runtime, home);
  const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: starter.startRun, dagModel: (id, version) => runtime.dags.getDag(id, version), slaMissCallback });
  const calls = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : []);

  // The runs of 2024-01-01 are created (and "started": nothing runs them here) when they are due.
  const created = await pass('2024-01-02T00:00:01Z');
  expect(created.created.map((r) => r.run_id)).toEqual([RUN, RUN, RUN]);
  await store.updateTaskInstance('sla_recorded', RUN, 'slow', { state: 'running', try_number: 1, start_date: '2024-01-02T00:00:02.000Z' });

  const missed = await pass('2024-01-02T01:00:00Z');
  expect(missed.slaMisses.map((m) => `${m.dag_id}.${m.task_id}`).sort()).toEqual(['sla_plain.late', 'sla_raising.late', 'sla_recorded.slow']);
  // The raising callback is reported (pointing at its log); the pass went on for the other DAGs.
  expect(missed.errors).toEqual([
    {
      dag_id: 'sla_raising',
      message: `sla_miss_callback failed: RuntimeError: the pager is down for sla_raising (see ${join(home, 'logs', 'scheduler', 'sla_raising.py.log')})`,
    },
  ]);
  expect(calls()).toEqual([
    {
      dag: ['DAG', 'sla_recorded', ['after', 'slow']],
      task_list: 'slow on 2024-01-01T00:00:00+00:00',
      blocking_task_list: 'slow on 2024-01-01T00:00:00+00:00',
      slas: [['SlaMiss', 'sla_recorded', 'slow', '2024-01-01T00:00:00+00:00', '2024-01-02T01:00:00+00:00', false, false, null, "('sla_recorded', 'slow', '2024-01-01T00:00:00+00:00')"]],
      blocking_tis: [['TaskInstance', 'sla_recorded', 'slow', RUN, 'running', '2024-01-01T00:00:00+00:00', -1, 'slow']],
    },
  ]);
  const misses = async (dagId: string) => (await store.listSlaMisses({ dagId })).items.map((m) => [m.task_id, m.notification_sent]);
  expect(await misses('sla_recorded')).toEqual([['slow', true]]);
  expect(await misses('sla_raising')).toEqual([['late', false]]);
  expect(await misses('sla_plain')).toEqual([['late', false]]);

  // Where the output went: the DAG processor log of each DAG file.
  const recordedLog = readFileSync(join(home, 'logs', 'scheduler', 'sla_recorded.py.log'), 'utf8');
  expect(recordedLog).toContain('Calling SLA miss callback record_sla_miss of DAG sla_recorded for 1 SLA miss(es)');
  expect(recordedLog).toContain('sla_miss_callback called for sla_recorded');
  const raisingLog = readFileSync(join(home, 'logs', 'scheduler', 'sla_raising.py.log'), 'utf8');
  expect(raisingLog).toMatch(/Could not call sla_miss_callback\(broken_callback\) for DAG sla_raising[\s\S]*Traceback[\s\S]*RuntimeError: the pager is down for sla_raising/);
  expect(existsSync(join(home, 'logs', 'scheduler', 'sla_plain.py.log'))).toBe(false);

  // The next pass records nothing new: the callback is not called again.
  const again = await pass('2024-01-02T01:30:00Z');
  expect(again.slaMisses).toEqual([]);
  expect(again.errors).toEqual([]);
  expect(calls()).toHaveLength(1);
}, 60_000);

const HANGING_DAG = `
import time
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator


def hangs(dag, task_list, blocking_task_list, slas, blocking_tis):
    print("waiting forever")
    time.sleep(600)


with DAG(dag_id="sla_hanging", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False, sla_miss_callback=hangs) as dag:
    BashOperator(task_id="late", bash_command="true", sla=timedelta(minutes=30))
`;

it('a callback that does not return is stopped (Airflow bounds it by the DAG processor timeout) and the pass ends', async () => {
  const dagsFolder = temp.make('skydag-sla-dags-');
  const home = temp.make('skydag-sla-home-');
  writeFileSync(join(dagsFolder, 'sla_hanging.py'), HANGING_DAG);
  const hanging = createLocalRuntime({ dagsFolder, home });
  try {
    const [dag] = [...scanFixtureFolder(dagsFolder).dags.values()].map((d) => d.dag);
    const store = await storeWith([dag!], [{ current_version: hanging.register(dag!) }], hanging.store as MemoryMetadataStore);
    const slaMissCallback = createSlaMissCallback(hanging.deps, new FileDagProcessorLogs(join(home, 'logs', 'scheduler')), 1500);
    const pass = (now: string) => schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: (id, version) => hanging.dags.getDag(id, version), slaMissCallback });
    await pass('2024-01-02T00:00:01Z');
    const started = Date.now();
    const result = await pass('2024-01-02T01:00:00Z');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.slaMisses.map((m) => m.task_id)).toEqual(['late']);
    expect(result.errors).toEqual([{ dag_id: 'sla_hanging', message: `sla_miss_callback failed: sla_miss_callback did not return within 1.5 s (see ${join(home, 'logs', 'scheduler', 'sla_hanging.py.log')})` }]);
    expect((await store.listSlaMisses()).items.map((m) => m.notification_sent)).toEqual([false]);
    expect(readFileSync(join(home, 'logs', 'scheduler', 'sla_hanging.py.log'), 'utf8')).toContain('waiting forever');
  } finally {
    hanging.close();
  }
}, 60_000);

const LIST_DAG = `
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator


def first_fails(dag, task_list, blocking_task_list, slas, blocking_tis):
    raise ValueError("first callback broke")


def second_records(dag, task_list, blocking_task_list, slas, blocking_tis):
    with open(Variable.get("sla_out"), "a") as out:
        out.write("second saw %s\\n" % task_list)


with DAG(dag_id="sla_list", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False,
         sla_miss_callback=[first_fails, second_records]) as dag:
    BashOperator(task_id="late", bash_command="true", sla=timedelta(minutes=30))
`;

it('calls each callback of a list; one raising does not stop the next, and the misses are notified once one returned (as Airflow)', async () => {
  const dagsFolder = temp.make('skydag-sla-dags-');
  const home = temp.make('skydag-sla-home-');
  const out = join(temp.make('skydag-sla-out-'), 'second.txt');
  writeFileSync(join(dagsFolder, 'sla_list.py'), LIST_DAG);
  const listed = createLocalRuntime({ dagsFolder, home, variables: { get: async (key) => (key === 'sla_out' ? out : undefined), set: async () => undefined } });
  try {
    const [dag] = [...scanFixtureFolder(dagsFolder).dags.values()].map((d) => d.dag);
    const store = await storeWith([dag!], [{ current_version: listed.register(dag!) }], listed.store as MemoryMetadataStore);
    const pass = (now: string) =>
      schedulePass({ store, now: new Date(now), startRun: recordingStarter().startRun, dagModel: (id, version) => listed.dags.getDag(id, version), slaMissCallback: localSlaMissCallback(listed, home) });
    await pass('2024-01-02T00:00:01Z');
    const result = await pass('2024-01-02T01:00:00Z');
    expect(result.errors).toEqual([]);
    expect(readFileSync(out, 'utf8')).toBe('second saw late on 2024-01-01T00:00:00+00:00\n');
    expect((await store.listSlaMisses()).items.map((m) => m.notification_sent)).toEqual([true]);
    expect(readFileSync(join(home, 'logs', 'scheduler', 'sla_list.py.log'), 'utf8')).toMatch(/Could not call sla_miss_callback\(first_fails\) for DAG sla_list[\s\S]*ValueError: first callback broke/);
  } finally {
    listed.close();
  }
}, 60_000);
