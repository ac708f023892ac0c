/**
 * CoutureLoopableBatchOperator end to end (test/fixtures/e2e/loopable_batches.py): the task runs the
 * target DAG once per batch of the CSV's (filtered) rows, one after the other (a Map over child
 * executions), each child getting its rows as conf.metadata_df; a failed batch fails the task.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startS3rver, type LocalS3 } from '../contracts/s3rver.js';
import { runDag, statesAndTries, tryLog, useE2eRuntime } from './support.js';

const e2e = useE2eRuntime();

async function batchRuns(parent: string) {
  const runs = (await e2e.runtime.store.listDagRuns('e2e_batch_child', {})).filter((r) => r.parent?.dag_id === parent);
  return Promise.all(
    runs
      .sort((a, b) => Number(a.conf.batch_index) - Number(b.conf.batch_index))
      .map(async (r) => {
        const check = await e2e.runtime.store.getTaskInstance(r.dag_id, r.run_id, 'check');
        return {
          batch: r.conf.batch_index,
          rows: (r.conf.metadata_df as { name: string }[]).map((row) => row.name),
          state: r.state,
          check: check?.state,
          started: check?.start_date ?? '',
          ended: check?.end_date ?? '',
        };
      }),
  );
}

it('runs the target DAG once per batch of the filtered rows, in order, with the rows as conf.metadata_df', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_loopable');
  expect(run.state).toBe('success');
  expect(statesAndTries(tasks)).toEqual({ per_batch: ['success', 1] });
  const batches = await batchRuns('e2e_loopable');
  expect(batches.map(({ batch, rows, state, check }) => ({ batch, rows, state, check }))).toEqual([
    { batch: 0, rows: ['a1', 'v1'], state: 'success', check: 'success' },
    { batch: 1, rows: ['a2', 'a3'], state: 'success', check: 'success' },
    { batch: 2, rows: ['a5'], state: 'success', check: 'success' },
  ]);
  // One batch at a time: each child's task starts after the previous child's task ended.
  for (let i = 1; i < batches.length; i++) expect(Date.parse(batches[i]!.started)).toBeGreaterThanOrEqual(Date.parse(batches[i - 1]!.ended));
});

it('fails the task when a batch fails', async () => {
  const { run, tasks } = await runDag(e2e.runtime, 'e2e_loopable_fails');
  expect(run.state).toBe('failed');
  expect(statesAndTries(tasks)).toEqual({ per_batch: ['failed', 1] });
  const batches = await batchRuns('e2e_loopable_fails');
  // As the original operator's loop: no batch starts after one failed. Its run (made with the others
  // when the task started) ends failed, its tasks skipped, with a note that says why.
  expect(batches.map(({ batch, rows, state, check }) => ({ batch, rows, state, check }))).toEqual([
    { batch: 0, rows: ['a1', 'a2'], state: 'success', check: 'success' },
    { batch: 1, rows: ['a3', 'a4'], state: 'failed', check: 'failed' },
    { batch: 2, rows: ['a5'], state: 'failed', check: 'skipped' },
  ]);
  const notRun = (await e2e.runtime.store.listDagRuns('e2e_batch_child', {})).find((r) => r.parent?.dag_id === 'e2e_loopable_fails' && r.conf.batch_index === 2)!;
  expect(notRun.note).toMatch(/^Not run: task per_batch \(try 1\) of e2e_loopable_fails .* failed before this run started/);
  expect(notRun.end_date).not.toBeNull();
  const check = await e2e.runtime.store.getTaskInstance(notRun.dag_id, notRun.run_id, 'check');
  expect(check?.start_date ?? null).toBeNull(); // it never ran
});

describe('the CSV read from a URL (s3://, http://, file://) with a batch offset', () => {
  const CSV = join(__dirname, '../fixtures/e2e/data/batches.csv');
  let s3: LocalS3;
  let http: Server;
  let httpUrl: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3rver();
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'meta/batches.csv', Body: readFileSync(CSV) }));
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
    http = createServer((req, res) => {
      if (req.url === '/batches.csv') res.end(readFileSync(CSV));
      else res.writeHead(404).end('no such file');
    });
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((done) => http.close(done));
    await s3.stop();
  });

  const cases: [string, () => string, string][] = [
    ['s3', () => `s3://${s3.bucket}/meta/batches.csv`, '2024-05-01T00:00:00Z'],
    ['http', () => `${httpUrl}/batches.csv`, '2024-05-02T00:00:00Z'],
    ['file', () => pathToFileURL(CSV).href, '2024-05-03T00:00:00Z'],
  ];
  it.each(cases)('%s: the filtered rows from offset 1 in batches of 3', async (_scheme, url, date) => {
    const { run, tasks } = await runDag(e2e.runtime, 'e2e_loopable_url', { logicalDate: new Date(date), conf: { metadata_url: url() } });
    expect(statesAndTries(tasks)).toEqual({ per_batch: ['success', 1] });
    const mine = (await e2e.runtime.store.listDagRuns('e2e_batch_child', {})).filter((r) => r.parent?.dag_id === 'e2e_loopable_url' && r.parent.run_id === run.run_id);
    expect(mine.map((r) => [r.conf.batch_index, r.conf.batch_offset, (r.conf.metadata_df as { name: string }[]).map((row) => row.name)]).sort()).toEqual([
      [0, 1, ['v1', 'a2', 'a3']],
      [1, 4, ['a5']],
    ]);
    expect(mine.every((r) => r.state === 'success')).toBe(true);
  });

  it('a missing object or page fails the task with what went wrong', async () => {
    const missingS3 = await runDag(e2e.runtime, 'e2e_loopable_url', { logicalDate: new Date('2024-05-04T00:00:00Z'), conf: { metadata_url: `s3://${s3.bucket}/meta/none.csv` } });
    expect(statesAndTries(missingS3.tasks)).toEqual({ per_batch: ['failed', 1] });
    expect(await tryLog(e2e.runtime, missingS3.run, 'per_batch', 1)).toMatch(/metadata_file s3:\/\/skydag-test\/meta\/none.csv: NoSuchKey/);
    const missingHttp = await runDag(e2e.runtime, 'e2e_loopable_url', { logicalDate: new Date('2024-05-05T00:00:00Z'), conf: { metadata_url: `${httpUrl}/none.csv` } });
    expect(statesAndTries(missingHttp.tasks)).toEqual({ per_batch: ['failed', 1] });
    expect(await tryLog(e2e.runtime, missingHttp.run, 'per_batch', 1)).toContain('/none.csv: HTTP 404');
  });
});
