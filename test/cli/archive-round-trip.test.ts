/**
 * Issue 15's acceptance for import/export: `skydag export` from one $SKYDAG_HOME, `skydag import` into
 * an empty one, and the DAGs, config groups, variables and connections are identical there — the
 * secrets open with the new home's own key, and are never in clear in the archive.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { main } from '../../local/cli/main.js';
import type { CliIO } from '../../local/cli/io.js';
import { loadLocalSecrets } from '../../local/http/secret-key.js';
import { openLocalStore } from '../../local/stores/embedded-dynamodb.js';
import { openLocalSparkStores } from '../../local/stores/spark-stores.js';
import { decryptConnection, variableValue } from '../../shared/api/secrets/records.js';
import { PASSWORD, USERS, createHarness, request } from '../../shared/api/test-support.js';

const DAG_FILE = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("nightly_load", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False) as dag:
    BashOperator(task_id="load", bash_command="echo {{ var.value.region }}", pool="etl_pool")
`;
const PASSPHRASE = 'an export passphrase of some length';

let root: string;
const saved = { home: process.env.SKYDAG_HOME, config: process.env.SKYDAG_CONFIG_DIR, api: process.env.SKYDAG_API_URL };
const homes = { source: '', target: '' };
const folders = { source: '', target: '' };

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-archive-cli-'));
  for (const side of ['source', 'target'] as const) {
    homes[side] = join(root, side, 'home');
    folders[side] = join(root, side, 'dags');
    mkdirSync(folders[side], { recursive: true });
  }
  writeFileSync(join(folders.source, 'nightly.py'), DAG_FILE);
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

async function run(side: 'source' | 'target', args: string[], stdin = '', fetchImpl?: typeof fetch) {
  process.env.SKYDAG_HOME = homes[side];
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  // The Spark commands work on the home's blob store alone, --api commands on the API: no DAGs folder.
  const folder = ['config-groups', 'artifacts', 'login'].includes(args[0]!) || args.includes('--api') ? [] : ['--dags-folder', folders[side]];
  const code = await main([...args, ...folder], io, { readStdin: async () => stdin, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  return { code, out, err };
}

/** What must be identical: the DAGs, variables and connections with their secrets open, the config groups with theirs. */
async function contents(side: 'source' | 'target') {
  const { cipher } = loadLocalSecrets(homes[side]);
  const spark = openLocalSparkStores(homes[side], cipher);
  const local = await openLocalStore(homes[side]);
  try {
    const { store } = local;
    const dags = [];
    for (const d of (await store.listDags()).items) dags.push({ dag_id: d.dag_id, fileloc: d.fileloc, source: (await store.getDagVersion(d.dag_id, d.current_version))?.source });
    return {
      dags,
      variables: (await store.listVariables()).items.map((v) => ({ key: v.key, value: variableValue(cipher, v), description: v.description })),
      connections: (await store.listConnections()).items.map((c) => decryptConnection(cipher, c)),
      pools: (await store.listPools()).items,
      groups: (await spark.groups.list()).map((g) => ({ name: g.name, engine: g.engine, arguments: g.arguments, livy: spark.groups.livyPassword(g), keytab: spark.groups.keytab(g)?.toString() })),
      artifacts: await Promise.all((await spark.artifacts.list()).map(async (a) => `${a.kind}/${a.name}:${(await spark.artifacts.get(a.kind, a.name))?.toString()}`)),
    };
  } finally {
    await local.close();
  }
}

it('exports one SKYDAG_HOME and imports it into an empty one: DAGs, configs, variables and connections identical, secrets usable, never in clear', async () => {
  expect((await run('source', ['variables', 'set', 'region', 'eu-west-3'])).code).toBe(0);
  expect((await run('source', ['variables', 'set', 'api_token', 'var-s3cret-value'])).code).toBe(0);
  expect((await run('source', ['connections', 'add', 'warehouse', '--conn-uri', 'postgresql://etl:pg-s3cret@db.example.com:5432/dw?sslmode=require'])).code).toBe(0);
  expect((await run('source', ['pools', 'set', 'etl_pool', '4', 'ETL'])).code).toBe(0);
  const groupFile = join(root, 'prod.json');
  writeFileSync(groupFile, JSON.stringify({ name: 'prod', engine: { type: 'livy', url: 'https://livy:8998', auth: 'basic', username: 'etl' }, arguments: { queue: 'etl' } }));
  writeFileSync(join(root, 'etl.keytab'), 'KEYTAB-BYTES');
  expect((await run('source', ['config-groups', 'import', groupFile, '--keytab', join(root, 'etl.keytab'), '--livy-password-stdin'], 'livy-s3cret\n')).code).toBe(0);
  writeFileSync(join(root, 'job.py'), 'print("job")\n');
  expect((await run('source', ['artifacts', 'upload', join(root, 'job.py')])).code).toBe(0);

  const archive = join(root, 'platform.tar.gz');
  const exported = await run('source', ['export', '--passphrase-stdin', archive], `${PASSPHRASE}\n`);
  expect(exported).toMatchObject({ code: 0, err: '' });
  const unpacked = gunzipSync(readFileSync(archive)).toString('latin1');
  for (const secret of ['var-s3cret-value', 'pg-s3cret', 'sslmode', 'livy-s3cret', 'KEYTAB-BYTES', 'eu-west-3']) expect(unpacked).not.toContain(secret);

  const dry = await run('target', ['import', '--passphrase-stdin', archive], `${PASSPHRASE}\n`);
  expect(dry.code).toBe(0);
  expect(dry.out).toMatch(/dry run: nothing was changed/);
  expect(dry.out).toMatch(/dag_files\s+nightly.py/);
  expect((await contents('target')).variables).toEqual([]);

  const applied = await run('target', ['import', '--apply', '--passphrase-stdin', archive, '-o', 'json'], `${PASSPHRASE}\n`);
  expect(applied).toMatchObject({ code: 0, err: '' });
  expect(JSON.parse(applied.out)).toMatchObject({ applied: true, changes: { dag_files: { create: ['nightly.py'] }, variables: { create: ['api_token', 'region'] } } });

  const [source, target] = [await contents('source'), await contents('target')];
  expect(source.dags).toEqual([{ dag_id: 'nightly_load', fileloc: 'nightly.py', source: DAG_FILE }]);
  expect(target).toEqual(source);
  expect(readFileSync(join(folders.target, 'nightly.py'), 'utf8')).toBe(DAG_FILE);
  // The two homes have different keys: the values were opened and sealed again, not copied.
  expect(readFileSync(join(homes.source, 'secret.key'))).not.toEqual(readFileSync(join(homes.target, 'secret.key')));

  const wrong = await run('target', ['import', '--apply', '--passphrase-stdin', archive], 'not the passphrase\n');
  expect([wrong.code, wrong.err]).toEqual([1, 'error: wrong passphrase: it does not open the secrets of this archive\n']);
});

it('exports and imports through a deployed API (--api): the archive travels as bytes both ways', async () => {
  const h = await createHarness();
  await h.store.putVariable({ key: 'remote_only', value: 'x', encrypted: false, description: null });
  // The deployed API, reached through fetch: bodies and answers as bytes.
  const apiFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const body = init?.body === undefined || init.body === null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(init.body as Uint8Array);
    const response = await h.api.handle(request(init?.method ?? 'GET', `${url.pathname}${url.search}`, { headers, ...(body !== undefined ? { rawBody: body } : {}) }));
    return new Response(response.body === undefined ? null : typeof response.body === 'string' ? response.body : new Uint8Array(response.body), { status: response.status, headers: response.headers });
  };
  const api = 'https://skydag.example.com';
  expect((await run('source', ['login', '--api', api, '-u', USERS.Admin, '--password-stdin'], `${PASSWORD}\n`, apiFetch)).code).toBe(0);
  const file = join(root, 'remote.tar.gz');
  const exported = await run('source', ['export', '--api', api, file], '', apiFetch);
  expect(exported).toMatchObject({ code: 0, err: '' });
  expect(gunzipSync(readFileSync(file)).toString('latin1')).toContain('remote_only');
  const dry = await run('source', ['import', '--api', api, file, '-o', 'json'], '', apiFetch);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.out)).toMatchObject({ dry_run: true, changes: { variables: { unchanged: ['remote_only'] } } });
});
