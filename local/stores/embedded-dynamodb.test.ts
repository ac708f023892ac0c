/** Local mode's embedded DynamoDB: fast start, persistence under $SKYDAG_HOME, one owner per folder, clean shutdown. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runRecord, tiRecord, xcomRecord } from '../../test/contracts/records.js';
import { VARIABLES_PK } from '../../shared/stores/dynamodb/keys.js';
import { startEmbeddedDynamoDB } from './embedded-dynamodb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'skydag-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

test('starts on 127.0.0.1, keeps data across restarts in <home>/dynamodb, large values in <home>/blobs', async () => {
  const started = Date.now();
  const db = await startEmbeddedDynamoDB({ home });
  const startMs = Date.now() - started;
  expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await db.store.putVariable({ key: 'k', value: 'v', encrypted: false, description: null });
  await db.store.setXCom(xcomRecord('d', 'r', 't', 'big', 'x'.repeat(400 * 1024)));
  await db.close();
  await db.close(); // idempotent

  const again = await startEmbeddedDynamoDB({ home });
  try {
    expect(await again.store.getVariable('k')).toEqual({ key: 'k', value: 'v', encrypted: false, description: null });
    expect((await again.store.getXCom('d', 'r', 't', 'big'))?.value).toHaveLength(400 * 1024);
    expect(await readdir(join(home, 'blobs', 'metadata', 'xcom'))).toEqual(['d']);
  } finally {
    await again.close();
  }
  // Speed is a benchmark's business (BRIEF §7); this only catches a pathological start.
  expect(startMs).toBeLessThan(5000);
});

test('a second server on the same folder is refused with what to do; a stale lock is taken over', async () => {
  const db = await startEmbeddedDynamoDB({ home });
  try {
    await expect(startEmbeddedDynamoDB({ home })).rejects.toThrow(/embedded DynamoDB in .*dynamodb is in use \(this process already has it open\): stop the other skydag, or set SKYDAG_HOME/);
  } finally {
    await db.close();
  }
  await writeFile(join(home, 'dynamodb', 'skydag.lock'), '2147483646'); // a pid no process has
  const next = await startEmbeddedDynamoDB({ home });
  await next.close();
});

test('without a home it runs in memory', async () => {
  const db = await startEmbeddedDynamoDB();
  try {
    await db.store.putPool({ name: 'p', slots: 1, description: null });
    expect(await db.store.listPools()).toEqual({ items: [{ name: 'p', slots: 1, description: null }], total: 1 });
  } finally {
    await db.close();
  }
});

test('closing while queries are being served lets them finish before the database closes (no uncaught LevelDB error)', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    for (let round = 0; round < 3; round++) {
      const db = await startEmbeddedDynamoDB({ home });
      // Over 1 MB: a query answers a page and leaves its LevelDB stream reading ahead.
      const tis = Array.from({ length: 600 }, (_, i) => ({ ...tiRecord('d', 'r', `t${i}`), rendered_fields: { pad: 'x'.repeat(2000) } }));
      if (round === 0) await db.store.createDagRun(runRecord('d', 'r', '2024-01-01T00:00:00Z'), tis);
      // Queries in flight when close() is called: the server must not read a closed LevelDB iterator.
      const queries = Array.from({ length: 5 }, () => db.store.listTaskInstances('d', 'r').catch(() => undefined));
      await new Promise((r) => setTimeout(r, 10 * round));
      await db.close();
      await Promise.all(queries);
      await expect(db.store.getDagRun('d', 'r')).rejects.toThrow(); // closed: refused, not hung
    }
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  expect(uncaught).toEqual([]);
}, 120_000);

// 300 writes of 20 KB: past LevelDB's 4 MB write buffer, so the kill may also hit a table file being written.
test('a store whose process was killed mid-write opens again (a crash is not damage) and keeps every acknowledged write', async () => {
  const writer = `
    import { startEmbeddedDynamoDB } from ${JSON.stringify(join(__dirname, 'embedded-dynamodb.ts'))};
    const db = await startEmbeddedDynamoDB({ home: ${JSON.stringify(home)} });
    for (let i = 0; ; i++) {
      await db.store.putVariable({ key: 'k' + i, value: 'v'.repeat(20000), encrypted: false, description: null });
      process.stdout.write(i + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], { stdio: ['ignore', 'pipe', 'ignore'] });
  let acknowledged = -1;
  await new Promise<void>((done) => {
    child.stdout.on('data', (chunk: Buffer) => {
      acknowledged = Math.max(acknowledged, ...chunk.toString().trim().split('\n').map(Number));
      if (acknowledged >= 300 && child.kill('SIGKILL')) done();
    });
  });
  await new Promise((r) => child.once('exit', r));
  const db = await startEmbeddedDynamoDB({ home });
  try {
    expect((await db.store.listVariables()).total).toBeGreaterThanOrEqual(acknowledged + 1);
  } finally {
    await db.close();
  }
}, 60_000);

test("a query that stops before the end of its range (Limit) closes its LevelDB iterator (each left open pinned a LevelDB snapshot: the platform's memory grew run after run)", async () => {
  const { AbstractLevel } = await import('abstract-level');
  const proto = AbstractLevel.prototype as unknown as { attachResource(r: object): void; detachResource(r: object): void };
  const open = new Set<object>();
  const attach = proto.attachResource;
  const detach = proto.detachResource;
  proto.attachResource = function (this: unknown, r: object) {
    open.add(r);
    return attach.call(this, r);
  };
  proto.detachResource = function (this: unknown, r: object) {
    open.delete(r);
    return detach.call(this, r);
  };
  const db = await startEmbeddedDynamoDB({ home });
  try {
    for (let i = 0; i < 5; i++) await db.store.putVariable({ key: `k${i}`, value: 'v', encrypted: false, description: null });
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const before = open.size;
    for (let i = 0; i < 10; i++) {
      const page = await db.client.send(new QueryCommand({ TableName: 'skydag', KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': VARIABLES_PK }, Limit: 1 }));
      expect(page.Items).toHaveLength(1);
      expect(page.LastEvaluatedKey).toBeDefined(); // stopped before the end of the range
    }
    for (let i = 0; i < 50 && open.size > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(open.size).toBe(before);
  } finally {
    await db.close();
    proto.attachResource = attach;
    proto.detachResource = detach;
  }
});
