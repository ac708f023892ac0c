/**
 * S3KeySensor with its aws_conn_id connection (Airflow's S3Hook): keys, region and endpoint_url from
 * the connection, against s3rver (an S3-compatible store) — what local mode and an S3-compatible
 * store (MinIO, ...) need; without the connection, the default credentials' client is used.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PyValue } from '../model/schema.js';
import { createS3KeySensor } from '../runtime/executors/s3-key-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from '../runtime/executors/test-request.js';
import { startS3rver, type LocalS3 } from '../../test/contracts/s3rver.js';
import { connectionS3KeyListers } from './s3-key-lister.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startS3rver('landing');
  await s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: 'in/data.csv', Body: 'a,b\n' }));
});
afterAll(() => s3?.stop());

async function poke(args: Record<string, PyValue>, connections: Record<string, Record<string, unknown>>, fallback: () => Pick<S3Client, 'send'>) {
  const clock = new FakeClock();
  const request = makeRequest({
    task: makeTask({ task_id: 'wait_for_key', operator: 'S3KeySensor', operator_kind: 's3_key_sensor', args, sensor: sensorSettings({ timeout_seconds: 2, poke_interval_seconds: 1 }) }),
    now: clock.now,
    connections,
  });
  return createS3KeySensor(connectionS3KeyListers(fallback), { sleep: clock.sleep }).call(undefined, request).then(
    (outcome) => outcome.outcome,
    (error: Error) => `${error.constructor.name}: ${error.message}`,
  );
}

const noFallback = () => {
  throw new Error('the default client was used');
};

it("finds a key through the aws_conn_id connection's endpoint_url and keys (login/password)", async () => {
  const conn = { conn_type: 'aws', login: 'S3RVER', password: 'S3RVER', extra: { endpoint_url: s3.endpoint, region_name: 'us-east-1' } };
  expect(await poke({ bucket_key: 's3://landing/in/data.csv', aws_conn_id: 'minio' }, { minio: conn }, noFallback)).toBe('success');
  expect(await poke({ bucket_key: 's3://landing/in/*.csv', wildcard_match: true }, { aws_default: { ...conn, extra: { service_config: { s3: { endpoint_url: s3.endpoint } } } } }, noFallback)).toBe('success');
  expect(await poke({ bucket_key: 's3://landing/in/missing.csv', aws_conn_id: 'minio' }, { minio: conn }, noFallback)).toMatch(/^SensorTimeoutError/);
});

it('uses the default credentials when the task names no connection that exists', async () => {
  expect(await poke({ bucket_key: 's3://landing/in/data.csv' }, {}, () => s3.client)).toBe('success');
});
