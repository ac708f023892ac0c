/**
 * The amazon provider end to end (test/fixtures/e2e/aws_s3.py): S3Hook and the S3 operators in Python
 * tasks (boto3) against s3rver through an `aws` connection with an endpoint_url, as users point them at
 * S3-compatible stores; an amazon operator skydag does not run fails naming the provider package.
 */
import { execFileSync } from 'node:child_process';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { defaultPython } from '../../shared/runtime/executors/python.js';
import { startS3rver, type LocalS3 } from '../contracts/s3rver.js';
import { E2E_DAGS, e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';
import { describeWhen } from '../helpers/optional-suites.js';

const hasBoto3 = (() => {
  try {
    execFileSync(defaultPython(), ['-c', 'import boto3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const temp = new TempDirs();
let runtime: LocalRuntime;
let s3: LocalS3;
let result: E2eRun;

const boto3 = hasBoto3 ? ({ met: true } as const) : ({ met: false, missing: "boto3 is not installed in the task Python", install: 'pip install boto3, or apt-get install python3-boto3' } as const);

describeWhen('amazon provider: S3Hook and S3 operators (e2e_aws_s3)', boto3, () => {
  beforeAll(async () => {
    s3 = await startS3rver('unused');
    const connections = new EnvConnectionStore({});
    connections.add({
      conn_id: 'local_s3',
      conn_type: 'aws',
      host: null,
      schema: null,
      login: 'S3RVER',
      password: 'S3RVER',
      port: null,
      // What an S3-compatible store needs: its endpoint, path-style addressing, no flexible checksums.
      extra: { endpoint_url: s3.endpoint, region_name: 'us-east-1', config_kwargs: { s3: { addressing_style: 'path' }, request_checksum_calculation: 'when_required', response_checksum_validation: 'when_required' } },
    });
    runtime = e2eRuntime(temp, E2E_DAGS, { connections });
    result = await runDag(runtime, 'e2e_aws_s3', { logicalDate: new Date('2024-03-05T00:00:00Z') });
  }, 120_000);
  afterAll(async () => {
    runtime?.close();
    await s3?.stop();
    temp.cleanup();
  });

  it('ends each task as Airflow does: replace=False refuses an existing key', () => {
    expect(statesAndTries(result.tasks)).toEqual({
      bucket: ['success', 1],
      write: ['success', 1],
      again: ['failed', 1],
      copy: ['success', 1],
      read_back: ['success', 1],
      listing: ['success', 1],
      clean: ['success', 1],
      after_clean: ['success', 1],
      athena: ['failed', 1],
    });
  });

  it('writes rendered keys and data, reads them back through the hook, lists and deletes', async () => {
    expect(result.tasks.read_back!.xcom.return_value).toEqual({
      // Jinja (Airflow's environment too) drops the template's final newline.
      text: 'day,total\n2024-03-05,42',
      exists: true,
      missing: false,
      wildcard: true,
      prefixes: ['archive/', 'daily/', 'raw/'],
      bucket: true,
    });
    expect(result.tasks.listing!.xcom.return_value).toEqual(['archive/2024-03-05.csv', 'daily/2024-03-05.csv', 'raw/blob.bin']);
    expect(result.tasks.after_clean!.xcom.return_value).toEqual(['daily/2024-03-05.csv', 'raw/blob.bin']);
    const stored = await s3.client.send(new ListObjectsV2Command({ Bucket: 'reports' }));
    expect((stored.Contents ?? []).map((o) => o.Key)).toEqual(['daily/2024-03-05.csv', 'raw/blob.bin']);
    expect(await tryLog(runtime, result.run, 'again', 1)).toContain('ValueError: The key daily/2024-03-05.csv already exists.');
  });

  it('an amazon operator skydag does not run fails naming the provider package', async () => {
    expect(await tryLog(runtime, result.run, 'athena', 1)).toMatch(/AthenaOperator.*apache-airflow-providers-amazon/);
  });
});
