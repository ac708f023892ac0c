/**
 * Version pinning: every task of a run executes the sources of the run's DAG version (the DAG file
 * and the modules it imports, frozen in a bundle when the version was registered), even when the DAGs
 * folder is edited while the run is going on. The first task of the run waits until the test has
 * edited the folder and registered the edited version; the second task then runs.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDagFile } from '../../local/dags-folder.js';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { createLocalRuntime } from '../../local/engine/wiring.js';
import { loadDagFile } from '../../shared/frontends/index.js';
import { sleep, summarizeRun, TempDirs } from './support.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

function dagFile(markers: string, label: string): string {
  return `
import os
import time
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator


def wait_for_edit():
    open(${JSON.stringify(join(markers, 'started'))}, "w").close()
    while not os.path.exists(${JSON.stringify(join(markers, 'edited'))}):
        time.sleep(0.05)


def report():
    from helpers.version import VERSION
    return "${label}:" + VERSION


with DAG("pinned", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    PythonOperator(task_id="wait", python_callable=wait_for_edit) >> PythonOperator(task_id="report", python_callable=report)
`;
}

function writeSources(folder: string, markers: string, label: string, version: string): void {
  writeFileSync(join(folder, 'pinned.py'), dagFile(markers, label));
  writeFileSync(join(folder, 'helpers', 'version.py'), `VERSION = ${JSON.stringify(version)}\n`);
}

/** Reads the folder's DAG file as the CLI does and registers it (what a sync does after an edit). */
function registerFromFolder(runtime: LocalRuntime, folder: string): string {
  const read = readDagFile(join(folder, 'pinned.py'), folder)!;
  const loaded = loadDagFile(read.source, { file: read.file, now: new Date() });
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return runtime.register(loaded.dags[0]!);
}

/** A DAGs folder with the DAG file and helpers/version.py (VERSION = "v1"), and a runtime on it. */
function pinnedDagsFolder(label: string): { folder: string; markers: string; runtime: LocalRuntime } {
  const folder = temp.make('skydag-pin-dags-');
  const markers = temp.make('skydag-pin-markers-');
  mkdirSync(join(folder, 'helpers'));
  writeFileSync(join(folder, 'helpers', '__init__.py'), '');
  writeSources(folder, markers, label, 'v1');
  return { folder, markers, runtime: createLocalRuntime({ dagsFolder: folder, home: temp.make('skydag-pin-home-') }) };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(20);
}

it('a task started after the DAG file and its helper module were edited still runs the run’s version', async () => {
  const { folder, markers, runtime } = pinnedDagsFolder('original');
  try {
    const v1 = registerFromFolder(runtime, folder);
    const run = await runtime.trigger('pinned');
    expect(run.dag_version).toBe(v1);
    const finished = runtime.execute(run);

    await until(() => existsSync(join(markers, 'started')));
    writeSources(folder, markers, 'edited', 'v2');
    const v2 = registerFromFolder(runtime, folder);
    expect(v2).not.toBe(v1);
    writeFileSync(join(markers, 'edited'), '');

    const outcome = await finished;
    expect(outcome.run.state).toBe('success');
    const tasks = await summarizeRun(runtime, run);
    expect(tasks.report!.xcom.return_value).toBe('original:v1');

    // A new run executes the edited version.
    const next = await runtime.trigger('pinned', { logicalDate: new Date('2024-02-01T00:00:00Z') });
    expect(next.dag_version).toBe(v2);
    const again = await runtime.execute(next);
    expect(again.run.state).toBe('success');
    expect((await summarizeRun(runtime, next)).report!.xcom.return_value).toBe('edited:v2');
  } finally {
    runtime.close();
  }
}, 60_000);

it('a helper module edited without touching the DAG file gives a new version', () => {
  const { folder, runtime } = pinnedDagsFolder('same');
  try {
    const v1 = registerFromFolder(runtime, folder);
    writeFileSync(join(folder, 'helpers', 'version.py'), 'VERSION = "v2"\n');
    expect(registerFromFolder(runtime, folder)).not.toBe(v1);
  } finally {
    runtime.close();
  }
});
