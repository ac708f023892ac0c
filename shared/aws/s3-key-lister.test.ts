/**
 * S3KeySensor in AWS: the sensor over the S3 lister against a mocked S3 client, with the exact
 * ListObjectsV2 requests asserted for a bucket_key given as an s3:// URL, as bucket_name + key, a
 * list of keys, and a wildcard_match pattern spread over pages.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { PyValue } from '../model/schema.js';
import { createS3KeySensor } from '../runtime/executors/s3-key-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from '../runtime/executors/test-request.js';
import { createS3KeyLister } from './s3-key-lister.js';

const s3 = mockClient(S3Client);

/** The bucket as S3 lists it: keys in UTF-8 order, `MaxKeys` per page (1,000 by default). */
function bucketOf(keys: string[], pageSize = 1000) {
  const sorted = [...keys].sort();
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; MaxKeys?: number; ContinuationToken?: string }) => {
    const matching = sorted.filter((k) => k.startsWith(input.Prefix ?? ''));
    const start = Number(input.ContinuationToken ?? 0);
    const size = Math.min(input.MaxKeys ?? pageSize, pageSize);
    const page = matching.slice(start, start + size);
    const truncated = start + size < matching.length;
    return { Contents: page.map((Key) => ({ Key })), KeyCount: page.length, IsTruncated: truncated, ...(truncated ? { NextContinuationToken: String(start + size) } : {}) };
  });
}

const requests = () => s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);

async function poke(args: Record<string, PyValue>) {
  const clock = new FakeClock();
  const request = makeRequest({
    task: makeTask({ task_id: 'wait_for_key', operator: 'S3KeySensor', operator_kind: 's3_key_sensor', args, sensor: sensorSettings({ timeout_seconds: 3, poke_interval_seconds: 1 }) }),
    now: clock.now,
  });
  return createS3KeySensor(createS3KeyLister(new S3Client({ region: 'eu-west-1' })), { sleep: clock.sleep }).call(undefined, request).then(
    (outcome) => outcome.outcome,
    (error: Error) => error.constructor.name,
  );
}

beforeEach(() => s3.reset());

describe('S3KeySensor on S3', () => {
  it('finds a key given as an s3:// URL with one ListObjectsV2 under the key', async () => {
    bucketOf(['events/2024-01-01.json', 'events/2024-01-01.json.tmp']);
    expect(await poke({ bucket_key: 's3://raw/events/2024-01-01.json' })).toBe('success');
    expect(requests()).toEqual([{ Bucket: 'raw', Prefix: 'events/2024-01-01.json', MaxKeys: 1 }]);
  });

  it('does not take a longer key the key prefixes for the key', async () => {
    bucketOf(['events/2024-01-01.json.tmp']);
    expect(await poke({ bucket_name: 'raw', bucket_key: 'events/2024-01-01.json' })).toBe('SensorTimeoutError');
    expect(requests()[0]).toEqual({ Bucket: 'raw', Prefix: 'events/2024-01-01.json', MaxKeys: 1 });
  });

  it('waits for every key of a list, each in its own bucket', async () => {
    bucketOf(['a/1.csv', 'b/2.csv']);
    expect(await poke({ bucket_key: ['s3://one/a/1.csv', 's3://two/b/2.csv'] })).toBe('success');
    expect(requests()).toEqual([
      { Bucket: 'one', Prefix: 'a/1.csv', MaxKeys: 1 },
      { Bucket: 'two', Prefix: 'b/2.csv', MaxKeys: 1 },
    ]);
  });

  it('with wildcard_match lists from the part before the first wildcard, page by page, until a key matches', async () => {
    const keys = [...Array.from({ length: 2500 }, (_, i) => `events/2024-01/part-${String(i).padStart(5, '0')}.tmp`), 'events/2024-01/sub/part-99999.json'];
    bucketOf(keys);
    expect(await poke({ bucket_name: 'raw', bucket_key: 'events/2024-*/part-*.json', wildcard_match: true })).toBe('success');
    expect(requests()).toEqual([
      { Bucket: 'raw', Prefix: 'events/2024-' },
      { Bucket: 'raw', Prefix: 'events/2024-', ContinuationToken: '1000' },
      { Bucket: 'raw', Prefix: 'events/2024-', ContinuationToken: '2000' },
    ]);
  });

  it('with wildcard_match and no matching key keeps poking until its timeout', async () => {
    bucketOf(['events/2024-01/part-1.tmp']);
    expect(await poke({ bucket_key: 's3://raw/events/*.json', wildcard_match: true })).toBe('SensorTimeoutError');
    expect(requests()[0]).toEqual({ Bucket: 'raw', Prefix: 'events/' });
  });
});
