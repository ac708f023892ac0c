import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { BlobTaskLogs } from './blob-task-logs.js';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'skydag-blob-logs-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Timers fired by the test. */
function manualTimers() {
  const due: (() => void)[] = [];
  return { setTimer: (fn: () => void) => (due.push(fn), { cancel: () => due.splice(due.indexOf(fn) >>> 0, due.includes(fn) ? 1 : 0) }), fire: () => due.splice(0).forEach((fn) => fn()) };
}


/** The first defined value `read` gives (the write in flight lands). */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

it('writes one object per try at the local log layout, readable while the try runs and complete after close', async () => {
  const blobs = new FsBlobStore(root);
  const timers = manualTimers();
  const logs = new BlobTaskLogs(blobs, { setTimer: timers.setTimer, flushBytes: 1000, clock: () => new Date('2024-01-01T00:00:00Z') });
  const log = logs.open('etl', 'manual__2024-01-01T00:00:00+00:00', 'load', 2);
  log.info('starting');
  log.write('line 1\n');
  await new Promise((resolve) => setImmediate(resolve));
  expect(await logs.read('etl', 'manual__2024-01-01T00:00:00+00:00', 'load', 2)).toBeUndefined();
  timers.fire();
  expect(await eventually(() => logs.read('etl', 'manual__2024-01-01T00:00:00+00:00', 'load', 2))).toBe('[2024-01-01T00:00:00.000Z] {skydag} INFO - starting\nline 1\n');
  log.write('x'.repeat(1200)); // over flushBytes: written without waiting for the timer
  log.write('\nlast\n');
  await log.close();
  const text = await logs.read('etl', 'manual__2024-01-01T00:00:00+00:00', 'load', 2);
  expect(text!.endsWith(`${'x'.repeat(1200)}\nlast\n`)).toBe(true);
  expect((await blobs.list('logs/')).blobs.map((b) => b.key)).toEqual([logs.keyOf('etl', 'manual__2024-01-01T00:00:00+00:00', 'load', 2)]);
  expect(logs.keyOf('etl', 'r', 'load', 2)).toBe('logs/dag_id=etl/run_id=r/task_id=load/attempt=2.log');
});

it('a second handle on the same try appends after what is there; a failed write surfaces on close', async () => {
  const blobs = new FsBlobStore(root);
  const logs = new BlobTaskLogs(blobs, { flushMs: 60_000 });
  const first = logs.open('d', 'r', 't', 1);
  first.write('from prepare\n');
  await first.close();
  const second = logs.open('d', 'r', 't', 1);
  second.write('from execute\n');
  await second.close();
  expect(await logs.read('d', 'r', 't', 1)).toBe('from prepare\nfrom execute\n');

  const broken = new BlobTaskLogs({ get: async () => undefined, put: async () => Promise.reject(new Error('SlowDown')) }, { flushMs: 60_000 });
  const handle = broken.open('d', 'r', 't', 1);
  handle.write('x');
  await expect(handle.close()).rejects.toThrow('SlowDown');
});
