import type { PyValue } from '../../model/schema.js';
import { blobListerFromListing, createS3KeySensor, s3BucketKey, s3WildcardPrefix, type BlobLister } from './s3-key-sensor.js';
import { FakeClock, makeRequest, makeTask, sensorSettings } from './test-request.js';
import { TaskNotRunnableError } from './types.js';

function request(args: Record<string, PyValue>, clock: FakeClock, timeout = 600) {
  return makeRequest({
    task: makeTask({ task_id: 'wait_for_key', operator: 'S3KeySensor', operator_kind: 's3_key_sensor', args, sensor: sensorSettings({ timeout_seconds: timeout }) }),
    now: clock.now,
  });
}

class FakeBucket {
  readonly objects = new Map<string, Set<string>>();
  readonly listed: string[] = [];
  put(bucket: string, key: string) {
    if (!this.objects.has(bucket)) this.objects.set(bucket, new Set());
    this.objects.get(bucket)!.add(key);
  }
  lister(): BlobLister {
    return blobListerFromListing(async (bucket, prefix) => {
      this.listed.push(`${bucket}:${prefix}`);
      return [...(this.objects.get(bucket) ?? [])].filter((k) => k.startsWith(prefix)).sort();
    });
  }
}

describe('S3 key parsing', () => {
  it('accepts s3://bucket/key or bucket_name + key, like S3Hook.get_s3_bucket_key', () => {
    expect(s3BucketKey(undefined, 's3://raw/events/2024-01-01.json', 'x')).toEqual({ bucket: 'raw', key: 'events/2024-01-01.json' });
    expect(s3BucketKey('raw', 'events/x.json', 'x')).toEqual({ bucket: 'raw', key: 'events/x.json' });
    expect(() => s3BucketKey(undefined, 'events/x.json', 'S3KeySensor t')).toThrow(TaskNotRunnableError);
    expect(() => s3BucketKey('raw', 's3://raw/events/x.json', 'S3KeySensor t')).toThrow(
      "S3KeySensor t: if bucket_name is provided, bucket_key should be relative path from root level, rather than a full s3:// url ('s3://raw/events/x.json')",
    );
  });

  it('lists from the part before the first wildcard character', () => {
    expect(s3WildcardPrefix('events/2024-*/part-?.json')).toBe('events/2024-');
    expect(s3WildcardPrefix('a[bc]')).toBe('a');
    expect(s3WildcardPrefix('plain/key')).toBe('plain/key');
  });
});

describe('S3KeySensor', () => {
  it('waits for a key to exist', async () => {
    const bucket = new FakeBucket();
    const clock = new FakeClock();
    let waits = 0;
    const sleep = async (ms: number, signal: AbortSignal) => {
      await clock.sleep(ms, signal);
      if (++waits === 1) bucket.put('raw', 'events/2024-01-01.json');
    };
    const req = request({ bucket_key: 's3://raw/events/2024-01-01.json' }, clock);
    await expect(createS3KeySensor(bucket.lister(), { sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(clock.sleeps).toEqual([60]);
    expect(req.log.infos()[0]).toBe('Poking for key : s3://raw/events/2024-01-01.json');
  });

  it('does not treat a longer key as the key itself', async () => {
    const bucket = new FakeBucket();
    bucket.put('raw', 'events/2024-01-01.json.tmp');
    const clock = new FakeClock();
    await expect(createS3KeySensor(bucket.lister(), { sleep: clock.sleep })(request({ bucket_name: 'raw', bucket_key: 'events/2024-01-01.json' }, clock, 60))).rejects.toThrow(
      'Sensor has timed out',
    );
  });

  it('matches wildcard keys with fnmatch (a * crosses /)', async () => {
    const bucket = new FakeBucket();
    bucket.put('raw', 'events/2024/01/part-0.json');
    const clock = new FakeClock();
    const req = request({ bucket_name: 'raw', bucket_key: 'events/*.json', wildcard_match: true }, clock);
    await expect(createS3KeySensor(bucket.lister(), { sleep: clock.sleep })(req)).resolves.toEqual({ outcome: 'success' });
    expect(bucket.listed).toEqual(['raw:events/']);
  });

  it('needs every key of a list', async () => {
    const bucket = new FakeBucket();
    bucket.put('raw', 'a');
    const clock = new FakeClock();
    const sensor = createS3KeySensor(bucket.lister(), { sleep: clock.sleep });
    await expect(sensor(request({ bucket_name: 'raw', bucket_key: ['a', 'b'] }, clock, 60))).rejects.toThrow('Sensor has timed out');
    bucket.put('raw', 'b');
    await expect(sensor(request({ bucket_name: 'raw', bucket_key: ['a', 'b'] }, clock))).resolves.toEqual({ outcome: 'success' });
  });

  it('rejects check_fn (a Python callable)', async () => {
    const clock = new FakeClock();
    const req = request({ bucket_key: 's3://raw/x', check_fn: { $type: 'callable', name: 'big_enough', file: 'dag.py', line: 9 } }, clock);
    await expect(createS3KeySensor(new FakeBucket().lister(), { sleep: clock.sleep })(req)).rejects.toThrow(
      "S3KeySensor 'wait_for_key': check_fn ('big_enough') is a Python callable, which skydag's built-in S3KeySensor cannot call.",
    );
  });
});
