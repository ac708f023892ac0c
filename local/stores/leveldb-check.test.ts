/** The LevelDB folder checks on a real embedded store: sound after use, each kind of damage named. */
import { mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecord, tiRecord } from '../../test/contracts/records.js';
import { startEmbeddedDynamoDB } from './embedded-dynamodb.js';
import { checkIntegrityRecord, checkLevelDb, checkLevelDbStructure, crc32c, INTEGRITY_FILE, readLogRecords } from './leveldb-check.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let home: string;
let dir: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'skydag-leveldb-'));
  dir = join(home, 'dynamodb');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

it('computes CRC-32C (the check value of the Castagnoli polynomial)', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
});

it('finds nothing wrong with a store that was used and closed, or with no store at all', async () => {
  expect(checkLevelDb(dir)).toBeUndefined();
  for (let round = 0; round < 3; round++) {
    const db = await startEmbeddedDynamoDB({ home });
    for (let i = 0; i < 5; i++) await db.store.createDagRun(runRecord('d', `r${round}-${i}`, new Date(Date.UTC(2024, 0, 1 + round * 10 + i)).toISOString()), [tiRecord('d', `r${round}-${i}`, 'a')]);
    await db.close();
    expect(checkLevelDb(dir)).toBeUndefined();
    expect(await readdir(dir)).toContain(INTEGRITY_FILE);
  }
});

it('names a log cut short, and a file changed since the clean close', async () => {
  const db = await startEmbeddedDynamoDB({ home });
  await db.store.createDagRun(runRecord('d', 'r', '2024-01-01T00:00:00Z'), [tiRecord('d', 'r', 'a')]);
  await db.close();
  const files = await readdir(dir);
  const log = (await Promise.all(files.filter((f) => f.endsWith('.log')).map(async (f) => [f, (await stat(join(dir, f))).size] as const))).find(([, size]) => size > 0)![0];
  await truncate(join(dir, log), (await stat(join(dir, log))).size - 3);
  // The structure allows a torn last write (a crash looks the same); the record of the clean close does not.
  expect(checkLevelDbStructure(dir)).toBeUndefined();
  expect(checkIntegrityRecord(dir)).toEqual({ file: log, problem: expect.stringMatching(/^it is \d+ bytes, but was \d+ when skydag closed the store at /) });
  await writeFile(join(dir, INTEGRITY_FILE), '{');
  expect(checkIntegrityRecord(dir)).toMatchObject({ file: INTEGRITY_FILE });
});

it('reads records split over blocks and refuses a fragment out of sequence', () => {
  // One FULL record of 3 bytes: checksum over type + payload, masked as LevelDB does.
  const payload = Buffer.from('abc');
  const record = (type: number, data: Buffer) => {
    const header = Buffer.alloc(7);
    const crc = crc32c(Buffer.concat([Buffer.from([type]), data]));
    header.writeUInt32LE(((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0, 0);
    header.writeUInt16LE(data.length, 4);
    header[6] = type;
    return Buffer.concat([header, data]);
  };
  expect(readLogRecords(record(1, payload))).toEqual({ records: [payload] });
  expect(readLogRecords(Buffer.concat([record(2, Buffer.from('ab')), record(4, Buffer.from('c'))]))).toEqual({ records: [payload] });
  expect(readLogRecords(record(3, payload))).toEqual({ records: [], problem: 'the record at byte 0 has type 3 out of sequence' });
  const bad = record(1, payload);
  bad.writeUInt8(bad[8]! ^ 1, 8);
  expect(readLogRecords(bad)).toEqual({ records: [], problem: 'the record at byte 0 fails its checksum' });
  // Cut short: the complete records, and where the torn one began.
  expect(readLogRecords(Buffer.concat([record(1, payload), record(1, payload).subarray(0, 9)]))).toEqual({ records: [payload], cutAt: 10 });
  expect(readLogRecords(record(2, Buffer.from('ab')))).toEqual({ records: [], cutAt: 0 });
});
