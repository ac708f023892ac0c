/**
 * Damaged state is loud: a local platform's store is damaged the ways disks and careless copies do
 * (CURRENT, MANIFEST, write-ahead log and table files truncated, removed or overwritten) and
 * `skydag dev` refuses to start, naming the file and the way back; `skydag db export`, `db reset`
 * and `db import` bring the runs and the audit log back.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../local/cli/main.js';
import { INTEGRITY_FILE } from '../../local/stores/leveldb-check.js';
import { LivePlatform, bashDag, type Json } from './platform-client.js';

const DAG = 'store_dag';

/** Runs the CLI in-process with SKYDAG_HOME set; returns the exit code and what it printed. */
async function cli(home: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const previous = process.env.SKYDAG_HOME;
  process.env.SKYDAG_HOME = home;
  try {
    const code = await main(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    if (previous === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = previous;
  }
}

/** What the store holds that an operator would miss: the runs and the audit log. */
async function snapshot(live: LivePlatform): Promise<{ runs: string[]; audit: string[] }> {
  const runs = (await live.call('GET', `/api/v1/dags/${DAG}/dagRuns?limit=100&order_by=execution_date`)).json.dag_runs.map((r: Json) => `${r.dag_run_id} ${r.logical_date} ${r.state}`);
  const audit = (await live.platform.store.listAuditLog({ event: 'trigger' })).items.map((e) => `${e.event_log_id} ${e.run_id}`);
  return { runs, audit };
}

let healthy: string;
let before: { runs: string[]; audit: string[] };
beforeAll(async () => {
  const live = await LivePlatform.start({ 'store_dag.py': bashDag(DAG) });
  // Enough data (25 runs with 200 KiB of conf) for LevelDB to write table files besides its log.
  for (let i = 0; i < 25; i++) {
    const res = await live.call('POST', `/api/v1/dags/${DAG}/dagRuns`, { dag_run_id: `run_${i}`, logical_date: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(), conf: { pad: 'x'.repeat(200 * 1024) } });
    expect(res.status).toBe(200);
  }
  expect((await live.call('POST', '/api/v1/variables', { key: 'api_key', value: 's3cr3t-value' })).status).toBe(200);
  before = await snapshot(live);
  expect(before.runs).toHaveLength(25);
  expect(before.audit).toHaveLength(25);
  await live.close({ keepHome: true });
  healthy = live.home;
  expect(existsSync(join(healthy, 'dynamodb', INTEGRITY_FILE))).toBe(true);
}, 120_000);
afterAll(() => {
  if (healthy) rmSync(healthy, { recursive: true, force: true });
});

let copies = 0;
/** A copy of the healthy home, damaged by `damage(dynamodbDir)`. */
function damaged(damage: (dir: string) => void): string {
  const home = `${healthy}-copy${++copies}`;
  cpSync(healthy, home, { recursive: true });
  damage(join(home, 'dynamodb'));
  return home;
}
/** The largest file of the store whose name matches (a fresh write-ahead log may be empty). */
const largest = (dir: string, pattern: RegExp) => {
  const found = readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size);
  if (!found.length || statSync(join(dir, found[0]!)).size === 0) throw new Error(`no non-empty file matches ${pattern} in ${dir}`);
  return found[0]!;
};
const overwrite = (path: string, at: number, bytes: number) => {
  const data = readFileSync(path);
  data.fill(0x5a, at, Math.min(data.length, at + bytes));
  writeFileSync(path, data);
};

describe('skydag dev on a damaged store', () => {
  const cases: [string, (dir: string) => string][] = [
    ['CURRENT deleted', (dir) => (rmSync(join(dir, 'CURRENT')), 'CURRENT')],
    ['CURRENT emptied', (dir) => (writeFileSync(join(dir, 'CURRENT'), ''), 'CURRENT')],
    ['MANIFEST truncated', (dir) => {
      const manifest = largest(dir, /^MANIFEST-/);
      truncateSync(join(dir, manifest), 20);
      return manifest;
    }],
    ['write-ahead log cut in the middle', (dir) => {
      const log = largest(dir, /\.log$/);
      truncateSync(join(dir, log), Math.floor(statSync(join(dir, log)).size / 2));
      return log;
    }],
    ['write-ahead log overwritten', (dir) => {
      const log = largest(dir, /\.log$/);
      overwrite(join(dir, log), 100, 64);
      return log;
    }],
    ['table file truncated', (dir) => {
      const table = largest(dir, /\.ldb$/);
      truncateSync(join(dir, table), 100);
      return table;
    }],
    ['table file deleted', (dir) => {
      const table = largest(dir, /\.ldb$/);
      rmSync(join(dir, table));
      return table;
    }],
    // Checksums inside a table file are not checked by LevelDB as dynalite runs it: the record of the clean close finds this.
    ['table file overwritten in the middle', (dir) => {
      const table = largest(dir, /\.ldb$/);
      overwrite(join(dir, table), 4096, 64);
      return table;
    }],
  ];

  it.each(cases)('%s: refuses to start, naming the file and how to recover', async (_name, damage) => {
    let file = '';
    const home = damaged((dir) => void (file = damage(dir)));
    try {
      const result = await cli(home, 'dev', '--port', '0', '--dags-folder', join(home, 'dags'));
      expect(result.code).toBe(1);
      expect(result.err).toContain(`the embedded store in ${join(home, 'dynamodb')} is damaged: ${file}: `);
      expect(result.err).toContain('restore a backup: `skydag db reset --yes`, then `skydag db import BACKUP.jsonl`');
      expect(result.err).toContain('start empty: `skydag db reset --yes`');
      // Nothing was opened or changed: the damage is still there to be looked at, and the store is not locked.
      expect(existsSync(join(home, 'dynamodb', 'skydag.lock'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('backup and restore', () => {
  it('export, damage, reset, import: the runs and the audit log come back', async () => {
    const home = damaged(() => undefined);
    const backup = join(home, 'backup.jsonl');
    try {
      const exported = await cli(home, 'db', 'export', backup);
      // The blob is the DAG version's source bundle (what its tasks run): a restore needs it.
      expect(exported).toMatchObject({ code: 0, out: expect.stringMatching(/exported \d+ items and 1 blobs/) });
      const text = readFileSync(backup, 'utf8');
      expect(text).not.toContain('s3cr3t-value'); // secrets stay encrypted as stored
      expect(text).toContain('api_key');

      overwrite(join(home, 'dynamodb', largest(join(home, 'dynamodb'), /\.ldb$/)), 2048, 32);
      expect((await cli(home, 'dev', '--port', '0', '--dags-folder', join(home, 'dags'))).err).toContain('is damaged');

      const unconfirmed = await cli(home, 'db', 'reset');
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.err).toContain('Run it again with --yes');
      const reset = await cli(home, 'db', 'reset', '--yes');
      expect(reset).toMatchObject({ code: 0, out: expect.stringContaining('the next start begins with an empty store') });
      const aside = readdirSync(home).filter((f) => f.startsWith('dynamodb.reset-'));
      expect(aside).toHaveLength(1); // kept, not deleted
      expect(readdirSync(join(home, aside[0]!))).toContain('CURRENT');

      // A cut backup is refused whole, before anything is written.
      const cut = join(home, 'cut.jsonl');
      writeFileSync(cut, text.split('\n').slice(0, 10).join('\n'));
      const refused = await cli(home, 'db', 'import', cut);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/no end marker: it was cut short; nothing was imported/);

      expect((await cli(home, 'db', 'import', backup)).code).toBe(0);
      const again = await cli(home, 'db', 'import', backup);
      expect(again.code).toBe(1);
      expect(again.err).toContain('is not empty');
      expect((await cli(home, 'db', 'import', backup, '--replace')).code).toBe(0);

      const restored = await LivePlatform.open(home);
      try {
        expect(await snapshot(restored)).toEqual(before);
        expect((await restored.call('GET', '/api/v1/variables/api_key')).status).toBe(200);
        // The store is in use now: a reset is refused.
        const busy = await cli(home, 'db', 'reset', '--yes');
        expect(busy.code).toBe(1);
        expect(busy.err).toMatch(/is in use .*stop the other skydag/);
      } finally {
        await restored.close({ keepHome: true });
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});
