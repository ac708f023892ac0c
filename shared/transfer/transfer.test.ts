/**
 * The platform archive through the API: a round trip between two platforms with different keys
 * (secrets usable on the target, never in clear in the archive), dry runs that change nothing,
 * hostile or malformed archives refused whole, a failure while writing undone, Admin only, audited.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { syncDagFile } from '../../local/platform/dag-sync.js';
import { folderDagFiles } from '../../local/platform/folder-dag-files.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import type { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import type { AesGcmCipher } from '../api/secrets/cipher.js';
import { decryptConnection, variableValue } from '../api/secrets/records.js';
import { call, createHarness, type Harness } from '../api/test-support.js';
import { ArtifactStore } from '../spark/artifacts.js';
import { ConfigGroupStore } from '../spark/config-groups.js';
import { writeTarGz } from '../util/tar.js';
import { importPlatform } from './import.js';

const DAG_FILE = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="nightly", schedule="0 2 * * *", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    BashOperator(task_id="hello", bash_command="echo hi", pool="etl_pool")
`;
const PASSPHRASE = 'correct horse battery staple';
const SECRETS = ['pg-s3cret', 'token-value-123', 'livy-s3cret', 'KEYTAB-BYTES', '"region": "eu-west-1"'];

interface Platform {
  h: Harness;
  dir: string;
  groups: ConfigGroupStore;
  artifacts: ArtifactStore;
  cipher: AesGcmCipher;
}

async function platform(): Promise<Platform> {
  const dir = mkdtempSync(join(tmpdir(), 'skydag-transfer-'));
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const ref: { store?: MemoryMetadataStore } = {};
  const dagsFolder = join(dir, 'dags');
  const dagFiles = folderDagFiles(dagsFolder, async (file) => void (await syncDagFile(ref.store!, dagsFolder, join(dagsFolder, file), { now: new Date(), pausedAtCreation: true, bundles: blobs })));
  // The harness's cipher keys the API; the Spark stores seal with the same one, as on a real platform.
  const h = await createHarness({ seed: false, config: { dagFiles } });
  ref.store = h.store;
  const groups = new ConfigGroupStore(blobs, h.cipher);
  const artifacts = new ArtifactStore(blobs);
  Object.assign(h.api.deps, { spark: { groups, artifacts } });
  return { h, dir, groups, artifacts, cipher: h.cipher };
}

const as = (p: Platform, role: 'Admin' | 'Op', method: string, path: string, options: { body?: unknown; raw?: Buffer; headers?: Record<string, string> } = {}) =>
  call(p.h, method, path, { token: p.h.tokens[role], ...(options.body !== undefined ? { body: options.body } : {}), ...(options.raw ? { rawBody: options.raw, headers: { 'content-type': 'application/gzip', ...options.headers } } : {}) });

async function exportOf(p: Platform, passphrase?: string): Promise<Buffer> {
  const response = await p.h.api.handle({
    method: 'POST',
    rawPath: '/api/v1/export',
    query: {},
    headers: { authorization: `Bearer ${p.h.tokens.Admin}`, 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(passphrase ? { passphrase } : {})),
    sourceIp: null,
    userAgent: null,
    requestId: '',
  });
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/gzip');
  return response.body as Buffer;
}

async function seed(p: Platform): Promise<void> {
  const admin = (method: string, path: string, body: unknown) => as(p, 'Admin', method, path, { body });
  expect((await admin('POST', '/api/v1/pools', { name: 'etl_pool', slots: 4, description: 'ETL' })).status).toBe(200);
  expect((await admin('POST', '/api/v1/variables', { key: 'region', value: 'eu-west-3' })).status).toBe(200);
  expect((await admin('POST', '/api/v1/variables', { key: 'api_token', value: 'token-value-123', description: 'sensitive by name' })).status).toBe(200);
  expect((await admin('POST', '/api/v1/connections', { connection_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', port: 5432, login: 'etl', password: 'pg-s3cret', extra: '{"region": "eu-west-1"}' })).status).toBe(200);
  expect((await admin('POST', '/api/v1/roles', { name: 'nightly_ops', actions: [{ action: { name: 'can_edit' }, resource: { name: 'DAG:nightly' } }] })).status).toBe(200);
  expect((await admin('POST', '/api/v1/users', { username: 'carol', email: 'carol@example.com', first_name: 'Carol', last_name: 'C', password: 'carol-password-1', roles: [{ name: 'nightly_ops' }] })).status).toBe(200);
  await p.groups.put({ name: 'prod', engine: { type: 'livy', url: 'https://livy:8998', auth: 'basic', username: 'etl' }, arguments: { queue: 'etl' } }, { livyPassword: 'livy-s3cret', keytab: Buffer.from('KEYTAB-BYTES') });
  await p.artifacts.upload('code', 'job.py', Buffer.from('print("job")\n'));
  expect((await as(p, 'Admin', 'POST', '/api/v1/dagFiles', { body: { filename: 'nightly.py', content: DAG_FILE } })).status).toBe(201);
}

/** Everything an import could touch, as the API and stores show it. */
async function state(p: Platform) {
  const admin = async (path: string) => (await as(p, 'Admin', 'GET', path)).json;
  return {
    variables: await admin('/api/v1/variables'),
    connections: await admin('/api/v1/connections'),
    pools: await admin('/api/v1/pools'),
    roles: await admin('/api/v1/roles'),
    users: (await admin('/api/v1/users')).users.map((u: { username: string }) => u.username),
    dags: (await admin('/api/v1/dags')).dags.map((d: { dag_id: string; is_paused: boolean }) => [d.dag_id, d.is_paused]),
    groups: await p.groups.list(),
    artifacts: (await p.artifacts.list()).map((a) => a.name),
  };
}

describe('platform archive (export / import)', () => {
  const made: Platform[] = [];
  const make = async () => {
    const p = await platform();
    made.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of made.splice(0)) rmSync(p.dir, { recursive: true, force: true });
  });

  it('round trip to a platform with another key: everything arrives, secrets open there, never in clear in the archive', async () => {
    const source = await make();
    // An earlier version of the DAG, brought by a git pull (its provenance travels with it).
    const pulled = { repository: 'https://git.example.com/etl.git', branch: 'main', commit: 'a'.repeat(40), user: 'carol' };
    mkdirSync(join(source.dir, 'dags'), { recursive: true });
    writeFileSync(join(source.dir, 'dags', 'nightly.py'), DAG_FILE.replace('echo hi', 'echo first'));
    await syncDagFile(source.h.store, join(source.dir, 'dags'), join(source.dir, 'dags', 'nightly.py'), { now: new Date('2024-05-01T10:00:00Z'), pausedAtCreation: true, git: pulled });
    await seed(source);
    await as(source, 'Admin', 'PATCH', '/api/v1/dags/nightly', { body: { is_paused: false } });
    const history = await as(source, 'Admin', 'GET', '/api/v1/dags/nightly/versions');
    expect(history.json.versions).toHaveLength(2);
    const archive = await exportOf(source, PASSPHRASE);
    const unpacked = gunzipSync(archive).toString('latin1');
    for (const secret of SECRETS) expect(unpacked).not.toContain(secret);
    expect(unpacked).toContain('with DAG(dag_id="nightly"');
    expect(unpacked).not.toMatch(/scrypt\$/); // no password hash

    const target = await make();
    const before = await state(target);
    const dry = await as(target, 'Admin', 'POST', '/api/v1/import', { raw: archive, headers: { 'x-skydag-archive-passphrase': PASSPHRASE } });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({
      dry_run: true,
      applied: false,
      secrets: 'sealed',
      changes: {
        dag_files: { create: ['nightly.py'] },
        config_groups: { create: ['prod'] },
        artifacts: { create: ['code/job.py'] },
        variables: { create: ['api_token', 'region'] },
        connections: { create: ['warehouse'] },
        pools: { create: ['etl_pool'] },
        roles: { create: ['nightly_ops'] },
      },
    });
    expect(dry.json.changes.dag_versions.create).toHaveLength(2);
    expect(dry.json.changes.users.create).toEqual(['carol']);
    expect(await state(target)).toEqual(before);

    const applied = await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: archive, headers: { 'x-skydag-archive-passphrase': PASSPHRASE } });
    expect(applied.json).toMatchObject({ dry_run: false, applied: true });
    // Identical as the API shows them, and the secrets open with the target's own key.
    const [from, to] = [await state(source), await state(target)];
    expect(to.variables).toEqual(from.variables);
    expect(to.connections).toEqual(from.connections);
    expect(to.pools).toEqual(from.pools);
    expect(to.roles).toEqual(from.roles);
    expect(to.dags).toEqual([['nightly', false]]);
    expect(to.artifacts).toEqual(['job.py']);
    expect(to.groups.map(({ updated_at: _u, secrets: _s, ...g }) => g)).toEqual(from.groups.map(({ updated_at: _u, secrets: _s, ...g }) => g));
    expect(variableValue(target.cipher, (await target.h.store.getVariable('api_token'))!)).toBe('token-value-123');
    expect(decryptConnection(target.cipher, (await target.h.store.getConnection('warehouse'))!)).toMatchObject({ password: 'pg-s3cret', extra: '{"region": "eu-west-1"}' });
    expect(target.groups.livyPassword((await target.groups.get('prod'))!)).toBe('livy-s3cret');
    expect(target.groups.keytab((await target.groups.get('prod'))!)?.toString()).toBe('KEYTAB-BYTES');
    expect(readFileSync(join(target.dir, 'dags', 'nightly.py'), 'utf8')).toBe(DAG_FILE);
    // The version history is the source's: same ids, times, provenance; the file's text per version.
    expect((await as(target, 'Admin', 'GET', '/api/v1/dags/nightly/versions')).json).toEqual(history.json);
    expect((await target.h.store.getDag('nightly'))!.current_version).toBe((await source.h.store.getDag('nightly'))!.current_version);
    for (const { version } of history.json.versions as { version: string }[]) {
      const [was, is] = [await source.h.store.getDagVersion('nightly', version), await target.h.store.getDagVersion('nightly', version)];
      expect(is).toEqual(was);
      expect((await as(target, 'Admin', 'GET', `/api/v1/dags/nightly/versions/${version}`)).json).toEqual((await as(source, 'Admin', 'GET', `/api/v1/dags/nightly/versions/${version}`)).json);
    }
    expect(await Promise.all(history.json.versions.map(async (v: { version: string }) => (await target.h.store.getDagVersion('nightly', v.version))!.git ?? null))).toEqual([null, pulled]);
    expect((await target.h.store.getUser('carol'))).toMatchObject({ password_hash: '', roles: ['nightly_ops'] });
    expect(applied.json.notes.join('\n')).toMatch(/no password until an Admin sets one/);

    // Importing it again changes nothing.
    const again = await as(target, 'Admin', 'POST', '/api/v1/import', { raw: archive, headers: { 'x-skydag-archive-passphrase': PASSPHRASE } });
    for (const [kind, c] of Object.entries(again.json.changes as Record<string, { create: string[]; update: string[] }>)) expect([kind, c.create, c.update]).toEqual([kind, [], []]);
  });

  it('without a passphrase the archive carries no secret; the import keeps what the target has', async () => {
    const source = await make();
    await seed(source);
    const archive = await exportOf(source);
    const unpacked = gunzipSync(archive).toString('latin1');
    for (const secret of [...SECRETS, 'eu-west-3']) expect(unpacked).not.toContain(secret);
    const target = await make();
    await as(target, 'Admin', 'POST', '/api/v1/variables', { body: { key: 'region', value: 'us-east-1' } });
    const applied = await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: archive });
    expect(applied.json).toMatchObject({ applied: true, secrets: 'omitted', changes: { variables: { create: [], unchanged: ['region'] }, connections: { create: ['warehouse'] } } });
    expect(applied.json.notes.join('\n')).toMatch(/1 variable\(s\) are not created/);
    expect(variableValue(target.cipher, (await target.h.store.getVariable('region'))!)).toBe('us-east-1');
    expect(decryptConnection(target.cipher, (await target.h.store.getConnection('warehouse'))!)).toMatchObject({ host: 'db.internal', password: null, extra: null });
  });

  it('refuses a wrong or missing passphrase and a short one for export', async () => {
    const source = await make();
    await seed(source);
    const archive = await exportOf(source, PASSPHRASE);
    const target = await make();
    const before = await state(target);
    expect((await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: archive })).json.detail).toMatch(/sealed with a passphrase/);
    expect((await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: archive, headers: { 'x-skydag-archive-passphrase': 'not the passphrase' } })).json.detail).toMatch(/wrong passphrase/);
    expect(await state(target)).toEqual(before);
    expect((await as(source, 'Admin', 'POST', '/api/v1/export', { body: { passphrase: 'short' } })).json.detail).toMatch(/at least 12 characters/);
  });

  describe('hostile or malformed archives are refused whole, changing nothing', () => {
    /** A tar.gz with entries as given: any type flag, any name (what writeTarGz would never write). */
    function rawTarGz(entries: { path: string; data?: string; type?: string; link?: string }[]): Buffer {
      const blocks: Buffer[] = [];
      for (const e of entries) {
        const data = Buffer.from(e.data ?? '');
        const h = Buffer.alloc(512);
        h.write(e.path, 0, 100);
        h.write('0000644\0', 100);
        h.write('0000000\0', 108);
        h.write('0000000\0', 116);
        h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
        h.write('00000000000\0', 136);
        h.write('        ', 148);
        h.write(e.type ?? '0', 156);
        if (e.link) h.write(e.link, 157, 100);
        h.write('ustar\0', 257);
        h.write('00', 263);
        let sum = 0;
        for (const b of h) sum += b;
        h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
        blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
      return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
    }
    const manifest = JSON.stringify({ format: 'skydag-archive', version: 1, created_at: '2026-01-01T00:00:00Z', skydag_version: 'x', secrets: 'omitted' });
    const pools = JSON.stringify([{ name: 'evil_pool', slots: 1, description: null }]);

    it.each([
      ['path traversal', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/files/../../../etc/cron.d/x.py', data: 'x' }], /unsafe path/],
      ['an absolute path', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: '/etc/passwd', data: 'x' }], /unsafe path/],
      ['a symlink', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/files/x.py', type: '2', link: '/etc/passwd' }], /only files and folders/],
      ['a hard link', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/files/x.py', type: '1', link: 'manifest.json' }], /only files and folders/],
      ['a duplicate entry', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'pools.json', data: '[]' }], /holds "pools.json" twice/],
      ['an unknown format version', [{ path: 'manifest.json', data: manifest.replace('"version":1', '"version":2') }, { path: 'pools.json', data: pools }], /format version 2 is unknown/],
      ['no manifest', [{ path: 'pools.json', data: pools }], /no manifest.json/],
      ['an unknown entry', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'notes.txt', data: 'x' }], /not part of a skydag archive/],
      ['versions of a DAG the archive does not hold', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/dags.json', data: '[]' }, { path: 'dags/versions/other.json', data: JSON.stringify([{ version: 'v1', created_at: '2024-01-01T00:00:00Z', fileloc: 'other.py', source: null, git: null, model: {} }]) }], /DAG 'other' is not one of the archive's DAGs/],
      ['a version whose model is not a DAG model', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/dags.json', data: JSON.stringify([{ dag_id: 'other', fileloc: 'other.py', is_paused: true }]) }, { path: 'dags/versions/other.json', data: JSON.stringify([{ version: 'v1', created_at: '2024-01-01T00:00:00Z', fileloc: 'other.py', source: null, git: null, model: { dag_id: 'other' } }]) }], /the model of version 'v1' is not a DAG model/],
      ['a secret in clear', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'configs/prod/livy-password', data: 'x' }], /secret in clear/],
      ['a DAG file with errors', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'dags/files/broken.py', data: 'from airflow import DAG\nwith DAG(dag_id="b") as dag\n' }], /broken.py does not read/],
      ['a bad pool', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: '[{"name": "p", "slots": "many"}]' }], /pools.json:/],
      ['a user with an unknown role', [{ path: 'manifest.json', data: manifest }, { path: 'pools.json', data: pools }, { path: 'users.json', data: '[{"username": "mallory", "email": "m@x", "first_name": "M", "last_name": "M", "roles": ["Root"], "active": true}]' }], /role 'Root'/],
    ])('%s', async (_what, entries, message) => {
      const target = await make();
      const before = await state(target);
      const refused = await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: rawTarGz(entries) });
      expect(refused.status).toBe(400);
      expect(refused.json.detail).toMatch(message);
      expect(await state(target)).toEqual(before);
    });

    it('a gzip bomb is refused as it inflates', async () => {
      const target = await make();
      const bomb = gzipSync(Buffer.alloc(260 * 1024 * 1024), { level: 9 });
      const refused = await as(target, 'Admin', 'POST', '/api/v1/import?dry_run=false', { raw: bomb });
      expect(refused.status).toBe(400);
      expect(refused.json.detail).toMatch(/unpacks to more than/);
    });

    it('not a gzip file', async () => {
      const target = await make();
      expect((await as(target, 'Admin', 'POST', '/api/v1/import', { raw: Buffer.from('PK\u0003\u0004 a zip') })).json.detail).toMatch(/not a gzip file/);
    });
  });

  it('a failure while writing undoes what the import had written', async () => {
    const source = await make();
    await seed(source);
    const archive = await exportOf(source, PASSPHRASE);
    const target = await make();
    const before = await state(target);
    const store = target.h.store;
    const failing = Object.create(store) as MemoryMetadataStore;
    failing.putRole = async () => {
      throw new Error('the store is down');
    };
    const deps = { ...target.h.api.deps, store: failing };
    await expect(importPlatform(deps, archive, { dryRun: false, passphrase: PASSPHRASE })).rejects.toThrow('the store is down');
    expect(await state(target)).toEqual(before);
  });

  it('is Admin only and audited without the passphrase', async () => {
    const source = await make();
    await seed(source);
    expect((await as(source, 'Op', 'POST', '/api/v1/export', { body: {} })).status).toBe(403);
    const archive = await exportOf(source, PASSPHRASE);
    expect((await as(source, 'Op', 'POST', '/api/v1/import', { raw: archive })).status).toBe(403);
    await as(source, 'Admin', 'POST', '/api/v1/import', { raw: archive, headers: { 'x-skydag-archive-passphrase': PASSPHRASE } });
    const audit = await as(source, 'Admin', 'GET', '/api/v1/eventLogs?limit=100');
    expect(audit.text).toContain('platform.export');
    expect(audit.text).toContain('platform.import');
    expect(audit.text).not.toContain(PASSPHRASE);
  });

  it('writes archives the tar reader takes back (folders, long names)', () => {
    const long = `dags/files/${'a'.repeat(90)}/${'b'.repeat(90)}.py`;
    expect(gunzipSync(writeTarGz([{ path: long, data: Buffer.from('x') }])).length).toBeGreaterThan(0);
  });
});
