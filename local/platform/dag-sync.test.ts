import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobBundleLoader, BundleCache } from '../../shared/bundles/bundle-cache.js';
import { BUNDLE_LIMITS } from '../../shared/bundles/source-bundle.js';
import type { LocalEngine } from '../engine/local-engine.js';
import { FsBlobStore } from '../stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../stores/memory-metadata.js';
import { sharedDagFileLoader, type DagFileLoader } from '../../shared/frontends/bounded.js';
import { syncDagFile, syncDagsFolder } from './dag-sync.js';
import { StoreDagSource } from './store-dag-source.js';

const dagFile = (dagId: string, cmd = 'echo hi', extra = '') => `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule="@daily"${extra}) as dag:
    BashOperator(task_id="a", bash_command="${cmd}")
`;

describe('syncing the DAGs folder into the metadata store', () => {
  let folder: string;
  const now = new Date('2024-06-01T00:00:00Z');
  const options = { now, pausedAtCreation: true };
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'skydag-sync-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('registers new DAGs paused, with a version holding the model', async () => {
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    writeFileSync(join(folder, 'b.py'), dagFile('beta', 'echo b', ', is_paused_upon_creation=False'));
    const store = new MemoryMetadataStore();
    const report = await syncDagsFolder(store, folder, options);
    expect(report.registered.sort()).toEqual(['alpha', 'beta']);
    const alpha = (await store.getDag('alpha'))!;
    expect(alpha).toMatchObject({ fileloc: 'a.py', is_paused: true, is_active: true, schedule_description: '@daily' });
    expect((await store.getDag('beta'))!.is_paused).toBe(false);
    const version = await store.getDagVersion('alpha', alpha.current_version);
    expect(version!.model.tasks.map((t) => t.task_id)).toEqual(['a']);
    // The file's text is kept with the version (the console shows and diffs it).
    expect(version!.source).toBe(dagFile('alpha'));
  });

  it("describes a dataset schedule as Airflow's timetable summary does (Dataset, Dataset or <time>)", async () => {
    const source = (dagId: string, schedule: string) => `
from datetime import datetime
from airflow import DAG
from airflow.datasets import Dataset
from airflow.timetables.datasets import DatasetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from airflow.operators.bash import BashOperator
with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule=${schedule}) as dag:
    BashOperator(task_id="a", bash_command="true")
`;
    writeFileSync(join(folder, 'c.py'), source('consumer', '[Dataset("s3://b/x")]'));
    writeFileSync(join(folder, 'd.py'), source('either', 'DatasetOrTimeSchedule(timetable=CronTriggerTimetable("0 1 * * *", timezone="UTC"), datasets=[Dataset("s3://b/x")])'));
    const store = new MemoryMetadataStore();
    await syncDagsFolder(store, folder, options);
    expect((await store.getDag('consumer'))!.schedule_description).toBe('Dataset');
    expect((await store.getDag('either'))!.schedule_description).toBe('Dataset or 0 1 * * *');
  });

  it('leaves alone a DAG whose file appeared while a rescan was reading the folder (the upload synced it itself)', async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    // The rescan listed the folder and is still reading a.py when b.py is uploaded and synced.
    let release!: () => void;
    const reading = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const readingStarted = new Promise<void>((r) => (started = r));
    const real = sharedDagFileLoader();
    const slowLoader: DagFileLoader = {
      async load(source, opts) {
        if (source.includes('"alpha"')) {
          started();
          await reading;
        }
        return real.load(source, opts);
      },
    };
    const rescan = syncDagsFolder(store, folder, { ...options, loader: slowLoader });
    await readingStarted;
    writeFileSync(join(folder, 'b.py'), dagFile('beta'));
    expect((await syncDagFile(store, folder, join(folder, 'b.py'), options)).registered).toEqual(['beta']);
    release();
    const report = await rescan;
    expect(report.deactivated).toEqual([]);
    expect((await store.getDag('beta'))!.is_active).toBe(true);
    // A file gone from the folder while the rescan ran is still noticed.
    unlinkSync(join(folder, 'b.py'));
    expect((await syncDagsFolder(store, folder, options)).deactivated).toEqual(['beta']);
  });

  it("keeps the DAG's dag_display_name (Airflow 2.9+) on its record, and drops it with a version without one", async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha', 'echo hi', ', dag_display_name="Alpha — nightly"'));
    await syncDagsFolder(store, folder, options);
    expect((await store.getDag('alpha'))!.dag_display_name).toBe('Alpha — nightly');
    expect((await store.listDags({ includeInactive: false })).items.map((d) => d.dag_display_name)).toEqual(['Alpha — nightly']);
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    await syncDagsFolder(store, folder, options);
    expect((await store.getDag('alpha'))!.dag_display_name).toBeUndefined();
  });

  it('adds a version when a file changes, keeps the pause state, and reports unchanged files', async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    await syncDagsFolder(store, folder, options);
    await store.updateDag('alpha', { is_paused: false });
    const first = (await store.getDag('alpha'))!.current_version;
    expect((await syncDagsFolder(store, folder, options)).unchanged).toEqual(['alpha']);
    writeFileSync(join(folder, 'a.py'), dagFile('alpha', 'echo changed'));
    const report = await syncDagFile(store, folder, join(folder, 'a.py'), options);
    expect(report.updated).toEqual(['alpha']);
    const after = (await store.getDag('alpha'))!;
    expect(after.current_version).not.toBe(first);
    expect(after.is_paused).toBe(false);
    expect((await store.listDagVersions('alpha')).map((v) => v.version).sort()).toEqual([first, after.current_version].sort());
    expect((await store.getDagVersion('alpha', first))!.source).toBe(dagFile('alpha'));
    expect((await store.getDagVersion('alpha', after.current_version))!.source).toBe(dagFile('alpha', 'echo changed'));
  });

  it('records an import error for a broken edit and keeps the last good version active', async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    await syncDagsFolder(store, folder, options);
    const good = (await store.getDag('alpha'))!.current_version;
    writeFileSync(join(folder, 'a.py'), dagFile('alpha').replace('BashOperator(task_id="a", bash_command="echo hi")', 'BashOperator(task_id="a")'));
    const report = await syncDagFile(store, folder, join(folder, 'a.py'), options);
    expect(report.importErrors).toEqual(['a.py']);
    const [error] = (await store.listImportErrors()).items;
    expect(error!.diagnostics[0]).toMatchObject({ file: 'a.py', line: 6, code: 'SKYDAG-V004' });
    expect(await store.getDag('alpha')).toMatchObject({ is_active: true, current_version: good });
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    await syncDagFile(store, folder, join(folder, 'a.py'), options);
    expect((await store.listImportErrors()).total).toBe(0);
  });

  it('deactivates DAGs whose file is deleted, keeping their history', async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    await syncDagsFolder(store, folder, options);
    unlinkSync(join(folder, 'a.py'));
    const report = await syncDagFile(store, folder, join(folder, 'a.py'), options);
    expect(report.deactivated).toEqual(['alpha']);
    expect((await store.listDags()).total).toBe(0);
    expect((await store.listDags({ includeInactive: true })).items.map((d) => [d.dag_id, d.is_active])).toEqual([['alpha', false]]);
    expect((await store.listDagVersions('alpha')).length).toBe(1);
  });

  it('refuses a dag_id already defined by another file', async () => {
    const store = new MemoryMetadataStore();
    writeFileSync(join(folder, 'a.py'), dagFile('alpha'));
    writeFileSync(join(folder, 'b.py'), dagFile('alpha', 'echo other'));
    const report = await syncDagsFolder(store, folder, options);
    expect(report.importErrors).toEqual(['b.py']);
    expect((await store.getDag('alpha'))!.fileloc).toBe('a.py');
    expect((await store.listImportErrors()).items[0]!.diagnostics[0]!.message).toBe("dag_id 'alpha' is already defined in a.py");
  });

  it("keeps the current version's access_control on the DAG record: set, changed, removed with the file's edits", async () => {
    const store = new MemoryMetadataStore();
    const file = join(folder, 'a.py');
    writeFileSync(file, dagFile('alpha', 'echo hi', ', access_control={"analysts": {"can_read", "can_edit"}}'));
    await syncDagsFolder(store, folder, options);
    expect((await store.getDag('alpha'))!.access_control).toEqual({ analysts: ['can_read', 'can_edit'] });
    writeFileSync(file, dagFile('alpha', 'echo hi', ', access_control={"auditors": {"can_read"}}'));
    await syncDagFile(store, folder, file, options);
    expect((await store.getDag('alpha'))!.access_control).toEqual({ auditors: ['can_read'] });
    writeFileSync(file, dagFile('alpha'));
    await syncDagFile(store, folder, file, options);
    expect('access_control' in (await store.getDag('alpha'))!).toBe(false);
  });

  it("reads the variables a file's Variable.get names; a changed value makes a new version at the next pass", async () => {
    const store = new MemoryMetadataStore();
    const variables = new Map<string, string>();
    const withVariables = { ...options, variables: async (key: string) => variables.get(key) };
    writeFileSync(join(folder, 'a.py'), `from airflow.models import Variable\nENV = Variable.get("env", default_var="dev")\n${dagFile('alpha', 'echo {ENV}').replace('bash_command="', 'bash_command=f"')}`);
    const command = async () => (await store.getDagVersion('alpha', (await store.getDag('alpha'))!.current_version))!.model.tasks[0]!.args?.bash_command;
    await syncDagsFolder(store, folder, withVariables);
    expect(await command()).toBe('echo dev');
    variables.set('env', 'prod');
    expect((await syncDagsFolder(store, folder, withVariables)).updated).toEqual(['alpha']);
    expect(await command()).toBe('echo prod');
    expect((await store.getDag('alpha'))!.parse_variables).toEqual(['env']);
    expect((await syncDagFile(store, folder, join(folder, 'a.py'), withVariables)).unchanged).toEqual(['alpha']);
  });
});

describe('source bundles of synced versions', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'skydag-sync-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('freeze the parsed file and its helper modules; the version runs from them after the folder changes', async () => {
    const store = new MemoryMetadataStore();
    const blobs = new FsBlobStore(join(folder, '.blobs'));
    const options = { now: new Date('2024-06-01T00:00:00Z'), pausedAtCreation: true, bundles: blobs };
    writeFileSync(join(folder, 'helper.py'), 'A = 1\n');
    writeFileSync(join(folder, 'a.py'), `import helper\n${dagFile('alpha')}`);
    await syncDagsFolder(store, folder, options);
    const v1 = (await store.getDag('alpha'))!.current_version;
    const record = (await store.getDagVersion('alpha', v1))!;
    expect(record.bundle).toMatch(/^[0-9a-f]{64}$/);

    // An edited helper module alone makes a new version on the next sync.
    writeFileSync(join(folder, 'helper.py'), 'A = 2\n');
    expect((await syncDagsFolder(store, folder, options)).updated).toEqual(['alpha']);
    expect((await store.getDag('alpha'))!.current_version).not.toBe(v1);

    const source = new StoreDagSource(store, {} as LocalEngine, folder, new BundleCache(join(folder, '.cache'), blobBundleLoader(blobs)));
    const location = await source.sourceLocation(record.model, v1);
    expect(location.dagsFolder).toBe(join(folder, '.cache', record.bundle!));
    expect(readFileSync(join(location.dagsFolder, 'helper.py'), 'utf8')).toBe('A = 1\n');
    expect(readFileSync(location.dagFilePath, 'utf8')).toContain('import helper');
  });

  it('a file whose imported modules go over the bundle limits is an import error, keeping its last good version', async () => {
    const store = new MemoryMetadataStore();
    const options = { now: new Date('2024-06-01T00:00:00Z'), pausedAtCreation: true, bundles: new FsBlobStore(join(folder, '.blobs')) };
    writeFileSync(join(folder, 'helper.py'), 'A = 1\n');
    writeFileSync(join(folder, 'a.py'), `import helper\n${dagFile('alpha')}`);
    await syncDagsFolder(store, folder, options);
    const good = (await store.getDag('alpha'))!.current_version;
    writeFileSync(join(folder, 'helper.py'), `import other\n${'#'.repeat(BUNDLE_LIMITS.scannedFileBytes)}\n`);
    const report = await syncDagsFolder(store, folder, options);
    expect(report.importErrors).toEqual(['a.py']);
    expect((await store.listImportErrors()).items[0]!.diagnostics[0]).toMatchObject({ code: 'SKYDAG-P006', message: expect.stringContaining('helper.py: a module over 2 MB') });
    expect((await store.getDag('alpha'))!).toMatchObject({ current_version: good, is_active: true });
  });
});
