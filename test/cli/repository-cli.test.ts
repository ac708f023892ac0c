/**
 * `skydag models|datasets …` against a temp $SKYDAG_HOME (the local store, in-process): chunked
 * uploads with checksums, resuming an interrupted upload, versions, download, describe, delete.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../local/cli/io.js';
import { main } from '../../local/cli/main.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { Repository } from '../../shared/repository/repository.js';

let root: string;
let dags: string;
const saved = { home: process.env.SKYDAG_HOME, config: process.env.SKYDAG_CONFIG_DIR, api: process.env.SKYDAG_API_URL };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-repo-cli-'));
  dags = join(root, 'dags');
  mkdirSync(dags);
  process.env.SKYDAG_HOME = join(root, 'home');
  process.env.SKYDAG_CONFIG_DIR = join(root, 'config');
  delete process.env.SKYDAG_API_URL;
});

afterAll(() => {
  for (const [name, value] of [['SKYDAG_HOME', saved.home], ['SKYDAG_CONFIG_DIR', saved.config], ['SKYDAG_API_URL', saved.api]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

async function run(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main([...args, '--dags-folder', dags], io, { readStdin: async () => '' });
  return { code, out, err };
}

describe('skydag models / datasets', () => {
  it('uploads in chunks, lists versions, downloads the same bytes, describes and deletes', async () => {
    const file = join(root, 'ranker.pt');
    const bytes = Buffer.from('pytorch weights '.repeat(40));
    writeFileSync(file, bytes);
    const first = await run(['models', 'upload', file, '--name', 'ranker', '--flavor', 'pytorch', '--chunk-size', '100', '-d', 'baseline']);
    expect([first.code, first.err]).toEqual([0, '']);
    expect(first.out).toMatch(/^uploaded model 'ranker' version 1 \(640 bytes, sha256 [0-9a-f]{64}\)\n.*repository\/model\/ranker\/.*\/ranker\.pt\n$/);
    expect((await run(['models', 'upload', file, '--name', 'ranker', '--flavor', 'pytorch'])).out).toMatch(/version 2/);

    const list = await run(['models', 'list', '-o', 'json']);
    expect(JSON.parse(list.out)).toEqual([{ name: 'ranker', flavor: 'pytorch', latest_version: 2, versions: 2, updated_at: expect.any(String), description: '' }]);
    expect(JSON.parse((await run(['models', 'versions', 'ranker', '-o', 'json'])).out).map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(JSON.parse((await run(['models', 'show', 'ranker', '1'])).out)).toMatchObject({ version: 1, description: 'baseline', sha256: createHash('sha256').update(bytes).digest('hex') });

    const target = join(root, 'downloaded.pt');
    expect((await run(['models', 'download', 'ranker', '1', '-O', target])).code).toBe(0);
    expect(readFileSync(target)).toEqual(bytes);
    expect((await run(['models', 'describe', 'ranker', '2', '-d', 'retrained'])).out).toBe("described model 'ranker' version 2\n");
    expect(JSON.parse((await run(['models', 'show', 'ranker'])).out).description).toBe('retrained');

    const missing = await run(['models', 'show', 'ranker', '9']);
    expect([missing.code, missing.err]).toEqual([1, "error: there is no model 'ranker' version 9\n"]);
    const bad = await run(['datasets', 'upload', file, '--name', '../up']);
    expect([bad.code, bad.err]).toEqual([1, expect.stringMatching(/^error: invalid dataset name "\.\.\/up"/)]);

    expect((await run(['models', 'delete', 'ranker', '1'])).out).toBe("deleted model 'ranker' version 1\n");
    expect((await run(['models', 'delete', 'ranker', '--all'])).code).toBe(0);
    expect(JSON.parse((await run(['models', 'list', '-o', 'json'])).out)).toEqual([]);
  });

  it('resumes an interrupted upload, sending only the missing chunks', async () => {
    const file = join(root, 'events.csv');
    const bytes = Buffer.from('a,b\n'.repeat(50));
    writeFileSync(file, bytes);
    // An upload interrupted after its first chunk (as a client that lost its connection leaves it).
    const blobs = new FsBlobStore(join(root, 'home', 'blobs'));
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs, locate: (key) => key });
    const session = await repository.startUpload({ kind: 'dataset', name: 'events', file_name: 'events.csv', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), chunk_size: 64 }, 'op');
    await repository.putChunk(session.upload_id, 'dataset', 0, bytes.subarray(0, 64));

    const resumed = await run(['datasets', 'upload', file, '--name', 'events', '--resume', session.upload_id]);
    expect([resumed.code, resumed.err]).toEqual([0, '']);
    expect(resumed.out).toMatch(/^uploaded dataset 'events' version 1 \(200 bytes/);
    const other = join(root, 'other.csv');
    writeFileSync(other, 'x');
    const wrong = await run(['datasets', 'upload', other, '--name', 'events', '--resume', session.upload_id]);
    expect([wrong.code, wrong.err]).toEqual([1, expect.stringMatching(/is of another file/)]);
  });
});

describe('skydag eda', () => {
  it('registers a dataset as a source, lists it, and says where runs go', async () => {
    const file = join(root, 'visits.csv');
    writeFileSync(file, 'id,page\n1,home\n');
    expect((await run(['datasets', 'upload', file, '--name', 'visits'])).code).toBe(0);
    expect((await run(['eda', 'add', 'visits', '--dataset', 'visits'])).out).toBe("EDA source 'visits' profiles dataset 'visits' (csv)\n");
    expect(JSON.parse((await run(['eda', 'list', '-o', 'json'])).out)).toEqual([{ name: 'visits', source: 'dataset:visits', format: 'csv' }]);
    const refused = await run(['eda', 'add', 'db', '--blob-key', '../x.csv']);
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/path traversal/)]);
    const noConnection = await run(['eda', 'add', 'db', '--conn-id', 'shop', '--table', 'orders']);
    expect([noConnection.code, noConnection.err]).toEqual([1, expect.stringMatching(/there is no connection 'shop'/)]);
    const runLocally = await run(['eda', 'run', 'visits']);
    expect(runLocally).toMatchObject({ code: 1 });
    expect(runLocally.err).toMatch(/skydag dev/);
    expect((await run(['eda', 'delete', 'visits'])).out).toBe("deleted EDA source 'visits'\n");
  });
});
