/**
 * Health of a LevelDB folder (the embedded store's files under `$SKYDAG_HOME/dynamodb`), checked
 * before dynalite opens it. LevelDB, as dynalite runs it, skips what it cannot read: a missing
 * CURRENT starts an empty database, a damaged log record or table block is dropped, and a damaged
 * MANIFEST makes dynalite fail with an uncaught exception. Runs and audit entries would vanish
 * silently, so skydag checks the folder itself and names the first damaged file:
 *
 * - structure: CURRENT names an existing MANIFEST; the MANIFEST's records pass their checksums and
 *   every table file it lists exists with the size it records; the write-ahead logs LevelDB will
 *   replay exist and pass their checksums (only the newest may end in a torn write: a crash);
 * - contents: on a clean close skydag records the size and SHA-256 of every file
 *   (`skydag-integrity.json`); at the next start any difference is damage. The record is removed when
 *   the store opens, so after a crash only the structure is checked (LevelDB's logs are complete
 *   after a process crash; only a power loss tears their tail).
 *
 * Formats: leveldb/doc/log_format.md (32 KiB blocks of checksummed records) and
 * leveldb/db/version_edit.cc (MANIFEST records).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const INTEGRITY_FILE = 'skydag-integrity.json';

/** The first damaged file of a LevelDB folder and what is wrong with it. */
export interface Damage {
  file: string;
  problem: string;
}

// ---- CRC-32C (Castagnoli), as LevelDB masks it

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const masked = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

// ---- log format: MANIFEST and *.log files

const BLOCK = 32 * 1024;
const HEADER = 7;
const enum RecordType {
  Zero = 0,
  Full = 1,
  First = 2,
  Middle = 3,
  Last = 4,
}

/**
 * The logical records of a log-format file; `problem` is damage at the first bad byte; `cutAt` says
 * the file ends inside a record (cut short: the torn last write of a crash looks the same).
 */
export function readLogRecords(data: Buffer): { records: Buffer[]; problem?: string; cutAt?: number } {
  const records: Buffer[] = [];
  let fragments: Buffer[] | undefined;
  let start = 0; // where the record being assembled began
  for (let at = 0; at < data.length; ) {
    const left = BLOCK - (at % BLOCK);
    if (left < HEADER) {
      at += left; // the block's zero-filled trailer
      continue;
    }
    if (!fragments) start = at;
    if (at + HEADER > data.length) return { records, cutAt: start };
    const checksum = data.readUInt32LE(at);
    const length = data.readUInt16LE(at + 4);
    const type = data[at + 6]!;
    if (type === RecordType.Zero && length === 0 && checksum === 0) {
      at += left; // preallocated space: the rest of the block is empty
      continue;
    }
    if (at + HEADER + length > data.length && HEADER + length <= left) return { records, cutAt: start };
    if (HEADER + length > left) return { records, problem: `a record at byte ${at} claims ${length} bytes, more than its block holds` };
    if (masked(crc32c(data.subarray(at + 6, at + HEADER + length))) !== checksum) return { records, problem: `the record at byte ${at} fails its checksum` };
    const payload = data.subarray(at + HEADER, at + HEADER + length);
    if (type === RecordType.Full && !fragments) records.push(payload);
    else if (type === RecordType.First && !fragments) fragments = [payload];
    else if (type === RecordType.Middle && fragments) fragments.push(payload);
    else if (type === RecordType.Last && fragments) {
      records.push(Buffer.concat([...fragments, payload]));
      fragments = undefined;
    } else return { records, problem: `the record at byte ${at} has type ${type} out of sequence` };
    at += HEADER + length;
  }
  return fragments ? { records, cutAt: start } : { records };
}

const cutShort = (at: number) => `it ends inside the record at byte ${at}: the file was cut short`;

// ---- MANIFEST: version edits

class Reader {
  at = 0;
  constructor(private readonly data: Buffer) {}
  get done() {
    return this.at >= this.data.length;
  }
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (this.at >= this.data.length) throw new Error('a number runs past the end of the record');
      const byte = this.data[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return value;
    }
    throw new Error('a number is longer than 10 bytes');
  }
  bytes(): Buffer {
    const length = this.varint();
    if (this.at + length > this.data.length) throw new Error('a string runs past the end of the record');
    return this.data.subarray(this.at, (this.at += length));
  }
}

interface ManifestState {
  /** Table files by number → size. */
  files: Map<number, number>;
  logNumber: number;
  prevLogNumber: number;
}

function applyEdits(records: Buffer[]): ManifestState {
  const state: ManifestState = { files: new Map(), logNumber: 0, prevLogNumber: 0 };
  for (const record of records) {
    const r = new Reader(record);
    while (!r.done) {
      const tag = r.varint();
      switch (tag) {
        case 1: // comparator
          r.bytes();
          break;
        case 2:
          state.logNumber = r.varint();
          break;
        case 3: // next file number
        case 4: // last sequence
          r.varint();
          break;
        case 5: // compact pointer: level, internal key
          r.varint();
          r.bytes();
          break;
        case 6: // deleted file: level, number
          r.varint();
          state.files.delete(r.varint());
          break;
        case 7: {
          // new file: level, number, size, smallest key, largest key
          r.varint();
          const number = r.varint();
          const size = r.varint();
          r.bytes();
          r.bytes();
          state.files.set(number, size);
          break;
        }
        case 9:
          state.prevLogNumber = r.varint();
          break;
        default:
          throw new Error(`unknown field tag ${tag}`);
      }
    }
  }
  return state;
}

const fileName = (number: number, ext: string) => `${String(number).padStart(6, '0')}.${ext}`;

/** LevelDB's own files: what the folder's health is about. */
const isLevelDbFile = (name: string) => name === 'CURRENT' || /^MANIFEST-\d+$/.test(name) || /^\d+\.(ldb|sst|log)$/.test(name);

/** The first structural damage of a LevelDB folder, or undefined when it is sound (or holds no database yet). */
export function checkLevelDbStructure(dir: string): Damage | undefined {
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir);
  if (!names.some(isLevelDbFile)) return undefined; // nothing written yet
  if (!names.includes('CURRENT')) return { file: 'CURRENT', problem: 'it is missing, but the database files are there (LevelDB would start an empty database)' };
  const current = readFileSync(join(dir, 'CURRENT'), 'utf8');
  const manifest = /^(MANIFEST-\d+)\n$/.exec(current)?.[1];
  if (!manifest) return { file: 'CURRENT', problem: `it should name the MANIFEST file, but holds ${JSON.stringify(current.slice(0, 40))}` };
  if (!names.includes(manifest)) return { file: manifest, problem: 'it is missing (CURRENT names it)' };
  // A MANIFEST or the newest log may end in a torn write (a crash during the write: LevelDB drops
  // it, as it was never acknowledged). After a clean close the integrity record catches any cut.
  const log = readLogRecords(readFileSync(join(dir, manifest)));
  if (log.problem) return { file: manifest, problem: log.problem };
  let state: ManifestState;
  try {
    state = applyEdits(log.records);
  } catch (error) {
    return { file: manifest, problem: `a record cannot be read: ${(error as Error).message}` };
  }
  if (log.records.length === 0) return { file: manifest, problem: log.cutAt !== undefined ? cutShort(log.cutAt) : 'it holds no records' };
  for (const [number, size] of state.files) {
    const name = [fileName(number, 'ldb'), fileName(number, 'sst')].find((n) => names.includes(n));
    if (!name) return { file: fileName(number, 'ldb'), problem: `it is missing (${manifest} lists it)` };
    const actual = statSync(join(dir, name)).size;
    if (actual !== size) return { file: name, problem: `it is ${actual} bytes, but ${manifest} records ${size}` };
  }
  if (state.logNumber > 0 && !names.includes(fileName(state.logNumber, 'log'))) {
    return { file: fileName(state.logNumber, 'log'), problem: `it is missing (${manifest} says it holds the latest writes)` };
  }
  const logs = names.filter((n) => /^\d+\.log$/.test(n)).sort();
  for (const name of logs) {
    const number = Number(name.slice(0, -4));
    if (number < state.logNumber && number !== state.prevLogNumber) continue; // obsolete: LevelDB will not read it
    const records = readLogRecords(readFileSync(join(dir, name)));
    if (records.problem) return { file: name, problem: records.problem };
    if (records.cutAt !== undefined && name !== logs.at(-1)) return { file: name, problem: cutShort(records.cutAt) };
  }
  return undefined;
}

// ---- contents: the record of a clean close

interface IntegrityRecord {
  closed_at: string;
  files: Record<string, { size: number; sha256: string }>;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Records the size and SHA-256 of the folder's LevelDB files (call after LevelDB is closed). */
export function writeIntegrityRecord(dir: string, now = new Date()): void {
  const record: IntegrityRecord = { closed_at: now.toISOString(), files: {} };
  for (const name of readdirSync(dir).filter(isLevelDbFile).sort()) {
    const path = join(dir, name);
    record.files[name] = { size: statSync(path).size, sha256: sha256(path) };
  }
  writeFileSync(join(dir, INTEGRITY_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The first file that differs from the record of the last clean close (none when there is no record). */
export function checkIntegrityRecord(dir: string): Damage | undefined {
  const path = join(dir, INTEGRITY_FILE);
  if (!existsSync(path)) return undefined;
  let record: IntegrityRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as IntegrityRecord;
    if (typeof record.files !== 'object' || record.files === null) throw new Error('no file list');
  } catch (error) {
    return { file: INTEGRITY_FILE, problem: `it cannot be read (${(error as Error).message})` };
  }
  for (const [name, expected] of Object.entries(record.files)) {
    const file = join(dir, name);
    if (!existsSync(file)) return { file: name, problem: `it is missing (it was there when skydag closed the store at ${record.closed_at})` };
    const size = statSync(file).size;
    if (size !== expected.size) return { file: name, problem: `it is ${size} bytes, but was ${expected.size} when skydag closed the store at ${record.closed_at}` };
    if (sha256(file) !== expected.sha256) return { file: name, problem: `its contents changed since skydag closed the store at ${record.closed_at}` };
  }
  return undefined;
}

/** The store is about to change: the record of the last close no longer describes it. */
export function dropIntegrityRecord(dir: string): void {
  rmSync(join(dir, INTEGRITY_FILE), { force: true });
}

/** Both checks: the first damaged file, or undefined. */
export function checkLevelDb(dir: string): Damage | undefined {
  return checkLevelDbStructure(dir) ?? checkIntegrityRecord(dir);
}
