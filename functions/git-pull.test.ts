/**
 * LDAP and git configuration in the cloud, through the composition roots over a real S3 protocol
 * (s3rver): the API serves the LDAP settings and git links from the artifacts bucket, sealed with the
 * master key's cipher; an on-demand pull goes API → git-pull function (invoked as Lambda would) →
 * `git/<user>/` of the DAGs bucket; the every-minute invocation pulls the links that are due; refusals
 * come back as the API's 400/404.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { grantsOf } from '../shared/api/auth/permissions.js';
import type { Principal } from '../shared/api/auth/users.js';
import { generateSecretKey } from '../shared/api/secrets/cipher.js';
import { request } from '../shared/api/test-support.js';
import { GitFetchError } from '../shared/git/fetch.js';
import { GitProvenanceRecords } from '../shared/git/provenance.js';
import { GitConfigStore } from '../shared/git/repositories.js';
import { S3BlobStore } from '../shared/stores/s3/s3-blob-store.js';
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { MemoryMetadataStore } from '../local/stores/memory-metadata.js';
import { startS3rver, type LocalS3 } from '../test/contracts/s3rver.js';
import { createTestRemote, type TestRemote } from '../test/helpers/git-repo.js';
import { createCloudApi, type CloudContext } from './cloud-root.js';
import { CloudEnv, readCloudEnvironment } from './environment.js';
import { lambdaGitPuller } from './git-pull-client.js';
import { createGitPullHandler, gitPullFromEnvironment } from './git-pull.js';
import { loadCloudSecrets } from './master-key.js';

const DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("pulled", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    BashOperator(task_id="a", bash_command="echo hi")
`;
const GIT_PULL_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:skydag-git-pull';

let s3: LocalS3;
let remote: TestRemote;
const saved: Record<string, string | undefined> = {};
const SDK_ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

beforeAll(async () => {
  s3 = await startS3rver('skydag-box');
  for (const name of SDK_ENV) saved[name] = process.env[name];
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  // The master key object (SSE-KMS in AWS; s3rver keeps it plain).
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'secrets/master.key', Body: generateSecretKey().toString('base64') }));
});
afterAll(async () => {
  for (const name of SDK_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await s3.stop();
});
beforeEach(() => {
  remote = createTestRemote();
});
afterEach(() => remote.cleanup());

function environment(entry: 'api' | 'git-pull') {
  return readCloudEnvironment(entry, {
    [CloudEnv.TABLE_NAME]: 'skydag-box',
    [CloudEnv.ARTIFACTS_BUCKET]: s3.bucket,
    [CloudEnv.DAGS_BUCKET]: s3.bucket,
    [CloudEnv.KMS_KEY_ARN]: 'arn:aws:kms:us-east-1:123456789012:key/k',
    [CloudEnv.LOGS_BUCKET]: s3.bucket,
    [CloudEnv.STATE_MACHINE_ARN_PREFIX]: 'arn:aws:states:us-east-1:123456789012:stateMachine:',
    [CloudEnv.S3_FORCE_PATH_STYLE]: 'true',
    [CloudEnv.GIT_PULL_FUNCTION_ARN]: GIT_PULL_ARN,
  });
}

/** The git-pull function as the API reaches it: Lambda's Invoke, here a direct call of its handler. */
function gitPullFunction() {
  // The cloud pulls https repositories only; the test remote is a file:// one.
  const handler = createGitPullHandler(() => gitPullFromEnvironment(environment('git-pull'), { allowFileUrls: true }), () => undefined);
  const invoked: unknown[] = [];
  const lambda = {
    async send(command: InvokeCommand) {
      expect(command.input).toMatchObject({ FunctionName: GIT_PULL_ARN, InvocationType: 'RequestResponse' });
      const event = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8'));
      invoked.push(event);
      return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(await handler(event, {} as Context))) };
    },
  } as unknown as LambdaClient;
  return { handler, lambda, invoked };
}

async function cloudApi(lambda: LambdaClient) {
  const env = environment('api');
  const { cipher, jwtSecret } = await loadCloudSecrets(s3.client, { bucket: s3.bucket, key: env.masterKeyObject, kmsKeyArn: env.kmsKeyArn });
  const store = new MemoryMetadataStore();
  // The API's own ports over S3 and the store; the runtime's are not reached by these routes.
  const deps = { store, cipher, logs: { read: async () => undefined } } as unknown as RuntimeDeps;
  const context = { env, clients: { s3: s3.client, lambda }, store, deps, runs: {}, startQueued: async () => undefined, jwtSecret } as unknown as CloudContext;
  const api = createCloudApi(context);
  const as = (role: 'Admin' | 'Op', username: string): Principal => ({ username, roles: [role], ...(({ permissions, dags }) => ({ permissions, dagGrants: dags }))(grantsOf([role], [])), via: 'bearer' });
  return { api, as, cipher };
}

async function objectText(key: string): Promise<string | undefined> {
  try {
    return await (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToString('utf8');
  } catch {
    return undefined;
  }
}

const json = (body: unknown) => JSON.parse(String(body));

it('serves the LDAP settings from the artifacts bucket, the bind password sealed and never shown', async () => {
  const { api, as } = await cloudApi(gitPullFunction().lambda);
  const admin = as('Admin', 'root');
  const patch = await api.handleAs(admin, request('PATCH', '/api/v1/ldapSettings', { body: { AUTH_TYPE: 'LDAP', AUTH_LDAP_SERVER: 'ldaps://ldap.example.com', AUTH_LDAP_SEARCH: 'ou=people,dc=example,dc=com', AUTH_LDAP_BIND_PASSWORD: 'bind-s3cret' } }));
  expect(patch.status).toBe(200);
  const view = json((await api.handleAs(admin, request('GET', '/api/v1/ldapSettings'))).body);
  expect(view).toMatchObject({ AUTH_TYPE: 'LDAP', AUTH_LDAP_SERVER: 'ldaps://ldap.example.com', AUTH_LDAP_BIND_PASSWORD_SET: true });
  const stored = await objectText('auth/ldap.json');
  expect(stored).toContain('ldaps://ldap.example.com');
  expect(stored).not.toContain('bind-s3cret');
  expect((await api.handleAs(as('Op', 'op'), request('GET', '/api/v1/ldapSettings'))).status).toBe(403);
});

it('pulls on demand through the git-pull function into git/<user>/ of the DAGs bucket; refusals answer as locally', async () => {
  const fn = gitPullFunction();
  const { api, as, cipher } = await cloudApi(fn.lambda);
  const op = as('Op', 'alice');
  // https only through the cloud API: a file:// link is refused there.
  expect((await api.handleAs(op, request('PUT', '/api/v1/gitConfig', { body: { url: remote.url, branch: 'main', path: 'dags' } }))).status).toBe(400);
  expect((await api.handleAs(op, request('POST', '/api/v1/gitConfig/pull'))).status).toBe(404);
  // The link as the API would store it, with the token sealed (written here with file:// allowed).
  await new GitConfigStore(new S3BlobStore({ client: s3.client, bucket: s3.bucket }), cipher, { allowFileUrls: true }).put('alice', { url: remote.url, branch: 'main', path: 'dags', pull_interval_minutes: 5 }, 'tok-s3cret');
  const commit = remote.commit({ 'dags/pulled.py': DAG, 'README.md': 'not pulled' });
  const pulled = await api.handleAs(op, request('POST', '/api/v1/gitConfig/pull'));
  expect(pulled.status).toBe(200);
  expect(json(pulled.body)).toMatchObject({ commit, written: ['git/alice/pulled.py'] });
  // The first invocation answered "no link" (the 404 above), the second pulled.
  expect(fn.invoked).toEqual([{ user: 'alice', trigger: 'api' }, { user: 'alice', trigger: 'api' }]);
  expect(await objectText('dags/git/alice/pulled.py')).toBe(DAG);
  // The file's commit, in the artifacts bucket for the deployer to record with the DAG's version.
  const provenance = new GitProvenanceRecords(new S3BlobStore({ client: s3.client, bucket: s3.bucket }));
  expect(await provenance.find('git/alice/pulled.py', Buffer.from(DAG))).toEqual({ repository: remote.url, branch: 'main', commit, user: 'alice' });
  expect(await objectText('dags/git/alice/README.md')).toBeUndefined();
  const shown = json((await api.handleAs(op, request('GET', '/api/v1/gitConfig'))).body);
  expect(shown).toMatchObject({ token_set: true, pulls: [{ commit }] });
  expect(JSON.stringify(shown)).not.toContain('tok-s3cret');

  await new GitConfigStore(new S3BlobStore({ client: s3.client, bucket: s3.bucket }), cipher, { allowFileUrls: true }).put('alice', { url: remote.url, branch: 'missing', path: 'dags' }, undefined);
  const refused = await api.handleAs(op, request('POST', '/api/v1/gitConfig/pull'));
  expect(refused.status).toBe(400);
  expect(json(refused.body).detail).toMatch(/^git pull failed: /);
});

it('pulls the links that are due when EventBridge invokes it, and maps a failing function to an error', async () => {
  const fn = gitPullFunction();
  const { cipher } = await loadCloudSecrets(s3.client, { bucket: s3.bucket, key: 'secrets/master.key', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k' });
  const configs = new GitConfigStore(new S3BlobStore({ client: s3.client, bucket: s3.bucket }), cipher, { allowFileUrls: true });
  await configs.put('bob', { url: remote.url, branch: 'main', path: '', pull_interval_minutes: 1 }, undefined);
  await configs.put('carol', { url: remote.url, branch: 'main', path: '' }, undefined);
  remote.commit({ 'bob.py': DAG.replace('"pulled"', '"bobs"') });
  expect(await fn.handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, {} as Context)).toEqual({ scheduled: true });
  const keys = (await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'dags/git/' }))).Contents?.map((c) => c.Key) ?? [];
  expect(keys).toContain('dags/git/bob/bob.py');
  // carol has no pull interval: pulled on demand only.
  expect(keys.some((k) => k?.startsWith('dags/git/carol/'))).toBe(false);
  expect((await configs.require('bob')).pulls[0]?.trigger).toBe('schedule');

  const failing = { send: async () => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') }) } as unknown as LambdaClient;
  await expect(lambdaGitPuller(failing, GIT_PULL_ARN)('bob', 'api')).rejects.toThrow(/git-pull function failed \(Unhandled\)/);
  const refusing = { send: async () => ({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ ok: false, error: { name: 'GitFetchError', message: 'no such branch' } })) }) } as unknown as LambdaClient;
  await expect(lambdaGitPuller(refusing, GIT_PULL_ARN)('bob', 'api')).rejects.toBeInstanceOf(GitFetchError);
});
