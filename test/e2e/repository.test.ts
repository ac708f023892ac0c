/**
 * Models and datasets referenced from templates end to end: `{{ models.get("churn", version=1).uri }}`
 * renders to where the stored version is (a TensorFlow model's SavedModel folder, unpacked), the
 * latest version when none is named, and a task naming a version that does not exist fails before it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { Repository, type UploadRequest } from '../../shared/repository/repository.js';
import { writeTarGz } from '../../shared/util/tar.js';
import { e2eRuntime, runDag, TempDirs, tryLog } from './support.js';

const DAG = `
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("uses_models", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    BashOperator(task_id="pinned", bash_command='echo {{ models.get("churn", version=1).uri }}')
    BashOperator(task_id="latest", bash_command='echo {{ models.get("churn").version }} {{ datasets.get("customers").file_name }}')
    BashOperator(task_id="missing", bash_command='echo {{ models.get("churn", version=7).uri }}')
`;

const temp = new TempDirs();
let runtime: LocalRuntime;
let blobsDir: string;

async function store(repository: Repository, request: Omit<UploadRequest, 'size'>, data: Buffer) {
  const session = await repository.startUpload({ ...request, size: data.length }, 'op');
  await repository.putChunk(session.upload_id, request.kind, 0, data);
  return repository.completeUpload(session.upload_id, request.kind);
}

beforeAll(async () => {
  const folder = temp.make('skydag-e2e-repo-dags-');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'uses_models.py'), DAG);
  blobsDir = temp.make('skydag-e2e-repo-blobs-');
  const blobs = new FsBlobStore(blobsDir);
  const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => blobs.pathOf(key) });
  const savedModel = writeTarGz([{ path: '1/saved_model.pb', data: Buffer.from('graph') }]);
  await store(repository, { kind: 'model', name: 'churn', flavor: 'tensorflow', file_name: 'churn.tar.gz' }, savedModel);
  await store(repository, { kind: 'model', name: 'churn', flavor: 'tensorflow', file_name: 'churn.tar.gz' }, savedModel);
  await store(repository, { kind: 'dataset', name: 'customers', file_name: 'customers.csv' }, Buffer.from('id\n1\n'));
  runtime = e2eRuntime(temp, folder, { repository });
}, 30_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

describe('models.get / datasets.get in templates', () => {
  it('renders stored versions and fails a task whose version does not exist', async () => {
    const result = await runDag(runtime, 'uses_models');
    expect(result.tasks.pinned).toMatchObject({ state: 'success', xcom: { return_value: join(blobsDir, 'repository/tf-serving/churn/1') } });
    expect(result.tasks.latest).toMatchObject({ state: 'success', xcom: { return_value: '2 customers.csv' } });
    expect(result.tasks.missing!.state).toBe('failed');
    expect(await tryLog(runtime, result.run, 'missing', 1)).toMatch(/model churn version 7 does not exist/);
  }, 30_000);
});
