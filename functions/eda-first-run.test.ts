/**
 * The first EDA run of a new (or changed) generated DAG in AWS: the API writes the file into the DAGs
 * bucket, answers 202 `deploying` and records the run it wants; the bucket's deployer (mocked Step
 * Functions and Scheduler, the real sync and parser) deploys the file and then creates and starts the
 * run on the version just deployed. A run is never started on a version deployed from other text, and
 * a run asked for while the deployer finishes is created once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachineAliasesCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { dagFolderSync } from '../local/platform/dag-sync.js';
import { FsBlobStore } from '../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../local/stores/memory-metadata.js';
import { call, createHarness, type Harness } from '../shared/api/test-support.js';
import { SchedulerDagSchedules, SfnMachinePublisher } from '../shared/aws/dag-deployment.js';
import { stopRunExecution } from '../shared/aws/run-starter.js';
import { SfnExecutions } from '../shared/aws/step-functions.js';
import { DagDeployer } from '../shared/deploy/dag-deployer.js';
import { DagsMirror } from '../shared/deploy/dags-mirror.js';
import { PENDING_RUN_TTL_MS, PendingRuns } from '../shared/deploy/pending-runs.js';
import { AesGcmCipher } from '../shared/api/secrets/cipher.js';
import { s3CredentialsDrop } from '../shared/aws/eda-credentials.js';
import { EdaSources } from '../shared/eda/sources.js';
import type { Connection } from '../shared/runtime/executors/types.js';
import { loadDagFile } from '../shared/frontends/index.js';
import { Repository } from '../shared/repository/repository.js';
import { executionName } from '../shared/runtime/execution-names.js';
import { ArtifactStore } from '../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../shared/spark/config-groups.js';
import { pendingRunTarget } from './deployer.js';

const sfn = mockClient(SFNClient);
const scheduler = mockClient(SchedulerClient);
const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const SUBSTITUTIONS = {
  SkydagControlFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-control',
  SkydagRunnerFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-runner',
  SkydagTaskClusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/skydag',
  SkydagTaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/skydag-runner:1',
  SkydagTaskSubnetA: 'subnet-0a',
  SkydagTaskSubnetB: 'subnet-0b',
  SkydagTaskSecurityGroup: 'sg-0c',
};
const DAG_ID = 'eda__orders__L0';
const FILE = `${DAG_ID}.py`;

let root: string;
let bucket: FsBlobStore;
let artifacts: FsBlobStore;
let h: Harness;
let pending: PendingRuns;
let deployer: DagDeployer;
let published: number;
/** Runs inside PendingRuns.add, after the pending run is recorded (the deployer finishing meanwhile). */
let duringAdd: (() => Promise<unknown>) | undefined;

class RacyPendingRuns extends PendingRuns {
  override async add(run: Parameters<PendingRuns['add']>[0]) {
    const added = await super.add(run);
    await duringAdd?.();
    return added;
  }
}

beforeEach(async () => {
  sfn.reset();
  scheduler.reset();
  duringAdd = undefined;
  root = mkdtempSync(join(tmpdir(), 'skydag-eda-first-run-'));
  bucket = new FsBlobStore(join(root, 'dags-bucket'));
  artifacts = new FsBlobStore(join(root, 'artifacts'));
  published = 0;
  const version = () => ({ stateMachineVersionArn: `${PREFIX}skydag-${DAG_ID}:${++published}` });
  sfn.on(CreateStateMachineCommand).callsFake(() => {
    if (published > 0) throw new SFNServiceException({ name: 'StateMachineAlreadyExists', $fault: 'client', $metadata: {}, message: 'exists' });
    return { stateMachineArn: `${PREFIX}skydag-${DAG_ID}`, ...version() };
  });
  sfn.on(UpdateStateMachineCommand).resolves({});
  sfn.on(PublishStateMachineVersionCommand).callsFake(version);
  sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [] });
  sfn.on(CreateStateMachineAliasCommand).resolves({ stateMachineAliasArn: `${PREFIX}skydag-${DAG_ID}:live` });
  sfn.on(UpdateStateMachineAliasCommand).resolves({});
  sfn.on(DescribeExecutionCommand).rejects(new SFNServiceException({ name: 'ExecutionDoesNotExist', $fault: 'client', $metadata: {}, message: 'none' }));
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `arn:aws:states:eu-west-1:123456789012:execution:x:${input.name}` }));
  scheduler.on(UpdateScheduleCommand).resolves({});
  scheduler.on(CreateScheduleCommand).resolves({});
  scheduler.on(DeleteScheduleCommand).resolves({});

  const cipher = (await import('../shared/api/secrets/cipher.js')).AesGcmCipher;
  const groups = new ConfigGroupStore(artifacts, new cipher(Buffer.alloc(32, 7)));
  await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-EDA' } });
  await groups.put({ name: 'emr2', engine: { type: 'emr', cluster_id: 'j-OTHER' } });
  await artifacts.put('data/orders.csv', 'id,city\n1,Pune\n');
  const repository = new Repository({ records: new MemoryMetadataStore(), blobs: artifacts, locate: (key) => `s3://data/${key}` });
  const eda = new EdaSources({ blobs: artifacts, repository, locate: (key) => `s3://data/${key}`, spark: { artifacts: new ArtifactStore(artifacts), groups } });
  await eda.put('orders', { blob_key: 'data/orders.csv' }, 'op');
  const dagFiles = {
    write: (file: string, content: string) => bucket.put(`dags/${file}`, content),
    read: async (file: string) => (await bucket.get(`dags/${file}`))?.toString('utf8'),
    remove: async () => false,
  };
  h = await createHarness({ seed: false, config: { repository, eda, dagFiles } });
  pending = new RacyPendingRuns(artifacts, h.clock.fn);
  (h.api.deps as { pendingRuns?: PendingRuns }).pendingRuns = pending;
  const target = pendingRunTarget(h.store, artifacts, new SfnExecutions(new SFNClient({})), PREFIX, 'live');
  deployer = new DagDeployer({
    store: h.store,
    mirror: new DagsMirror({ blobs: bucket, prefix: 'dags/', folder: join(root, 'mirror') }),
    sync: dagFolderSync(h.store, { now: h.clock.fn, pausedAtCreation: true, bundles: artifacts, loader: { load: async (source, options) => loadDagFile(source, options) } }),
    machines: new SfnMachinePublisher(new SFNClient({}), { arnPrefix: PREFIX, roleArn: 'arn:aws:iam::123456789012:role/m', alias: 'live' }),
    schedules: new SchedulerDagSchedules(new SchedulerClient({}), 'skydag', { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:s', roleArn: 'arn:aws:iam::123456789012:role/s' }),
    substitutions: SUBSTITUTIONS,
    stopRun: (run, reason) => stopRunExecution(new SfnExecutions(new SFNClient({})), PREFIX, run, reason),
    afterDeploy: async (report) => void (await pending.deliver(target, [...report.registered, ...report.updated, ...report.unchanged], report.importErrors)),
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const op = (method: string, path: string, body?: unknown) => call(h, method, path, { token: h.tokens.Op, ...(body === undefined ? {} : { body }) });
const deploy = () => deployer.handle([{ kind: 'written', key: `dags/${FILE}` }]);
const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);

describe('the first EDA run of a new generated DAG (AWS)', () => {
  it('is accepted (202 deploying), listed, and created and started by the deployer on the version it deployed', async () => {
    const first = await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0' });
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ dag_id: DAG_ID, dag_run_id: expect.stringMatching(/^eda__\d{8}T\d{6}$/), report_id: expect.stringMatching(/^L0-\d{8}T\d{6}$/), state: 'deploying' });
    const runId = first.json.dag_run_id as string;
    expect(await h.store.getDagRun(DAG_ID, runId)).toBeUndefined();
    expect((await op('GET', '/api/v1/edaSources/orders/reports')).json.reports).toEqual([
      { report_id: first.json.report_id, level: 'L0', ready: false, dag_id: DAG_ID, dag_run_id: runId, state: 'deploying' },
    ]);
    expect(starts()).toEqual([]);

    const report = await deploy();
    expect(report).toMatchObject({ registered: [DAG_ID], deployed: [DAG_ID] });
    const dag = (await h.store.getDag(DAG_ID))!;
    const run = await h.store.getDagRun(DAG_ID, runId);
    expect(run).toMatchObject({ state: 'running', note: 'EDA L0 of orders', dag_version: dag.current_version, run_type: 'manual' });
    expect(starts()).toEqual([{ stateMachineArn: `${PREFIX}skydag-${DAG_ID}:1`, name: executionName({ dag_id: DAG_ID, run_id: runId }, 0), input: JSON.stringify({ run: { dag_id: DAG_ID, run_id: runId } }) }]);
    expect(await pending.list()).toEqual([]);
    expect((await op('GET', '/api/v1/edaSources/orders/reports')).json.reports).toMatchObject([{ dag_run_id: runId, state: 'running' }]);

    // A redelivered event finds nothing pending: no second run, no second start.
    await deploy();
    expect(starts()).toHaveLength(1);

    // The file unchanged: the API's own launcher triggers the next run at once.
    h.clock.advance(1000);
    const second = await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0' });
    expect([second.status, second.json.state]).toEqual([200, 'running']);
    expect(h.started.map((r) => [r.run_id, r.dag_version])).toEqual([[second.json.dag_run_id, dag.current_version]]);
    expect(await pending.list()).toEqual([]);
  });

  it('waits for the version of the text it asked for: a changed file (another config group) is not run on the old version', async () => {
    await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0' });
    await deploy();
    const before = (await h.store.getDag(DAG_ID))!.current_version;
    h.clock.advance(1000);
    const changed = await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0', config_group: 'emr2' });
    expect([changed.status, changed.json.state]).toEqual([202, 'deploying']);
    expect(await h.store.getDagRun(DAG_ID, changed.json.dag_run_id)).toBeUndefined();
    await deploy();
    const after = (await h.store.getDag(DAG_ID))!.current_version;
    expect(after).not.toBe(before);
    expect(await h.store.getDagRun(DAG_ID, changed.json.dag_run_id)).toMatchObject({ state: 'running', dag_version: after });
    expect(starts().at(-1)).toMatchObject({ stateMachineArn: `${PREFIX}skydag-${DAG_ID}:2` });
  });

  it('a deployment finishing between the API\'s two looks creates the run once', async () => {
    duringAdd = deploy;
    const answer = await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0' });
    expect([answer.status, answer.json.state]).toEqual([200, 'running']);
    expect((await h.store.listDagRuns(DAG_ID, {})).map((r) => r.run_id)).toEqual([answer.json.dag_run_id]);
    expect(starts()).toHaveLength(1);
    expect(await pending.list()).toEqual([]);
  });

  it('a second request in the same second is refused while the first waits, and changes nothing', async () => {
    expect((await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0' })).status).toBe(202);
    const again = await op('POST', '/api/v1/edaSources/orders/runs', { level: 'L0', config_group: 'emr2' });
    expect([again.status, again.json.detail]).toEqual([409, expect.stringMatching(/was asked for this second/)]);
    expect((await bucket.get(`dags/${FILE}`))!.toString()).not.toContain('emr2');
    expect(await pending.list()).toHaveLength(1);
  });

  it('drops a pending run whose file failed to import, or that waited longer than the TTL', async () => {
    const target = pendingRunTarget(h.store, artifacts, new SfnExecutions(new SFNClient({})), PREFIX, 'live');
    const base = { conf: {}, note: null, source_sha256: '0'.repeat(64) };
    await pending.add({ ...base, dag_id: 'broken', run_id: 'r1', logical_date: '2024-01-01T00:00:00.000Z', fileloc: 'broken.py' });
    await pending.add({ ...base, dag_id: 'slow', run_id: 'r2', logical_date: '2024-01-01T00:00:00.000Z', fileloc: 'slow.py' });
    expect(await pending.deliver(target, ['slow'], ['broken.py'])).toEqual({ triggered: [], dropped: ['broken/r1'] });
    expect(await pending.deliver(target, ['slow'])).toEqual({ triggered: [], dropped: [] });
    h.clock.advance(PENDING_RUN_TTL_MS + 1);
    expect(await pending.deliver(target, ['slow'])).toEqual({ triggered: [], dropped: ['slow/r2'] });
    expect(await pending.list()).toEqual([]);
    expect(starts()).toEqual([]);
  });

  it('refuses a run of an unknown source without writing a file or a pending run', async () => {
    const answer = await op('POST', '/api/v1/edaSources/nope/runs', { level: 'L0' });
    expect(answer.status).toBe(404);
    expect((await bucket.list('dags/')).blobs).toEqual([]);
    expect(await pending.list()).toEqual([]);
  });
});

describe('a database source in AWS: the connection reaches the Spark job through a per-run credentials object', () => {
  const s3 = mockClient(S3Client);
  const KMS = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const PASSWORD = 'pw-Zx9!s3cr3t';
  const DB_DAG = 'eda__shop__L0';
  let connections: Map<string, Connection>;

  beforeEach(async () => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    connections = new Map([['warehouse', { conn_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', schema: 'sales', login: 'eda_reader', password: PASSWORD, port: 5432, extra: {} }]]);
    const lookup = async (id: string) => connections.get(id);
    const groups = new ConfigGroupStore(artifacts, new AesGcmCipher(Buffer.alloc(32, 7)));
    await groups.put({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-EDA' }, arguments: { jars: 's3://jars/postgresql-42.7.4.jar' } });
    const repository = new Repository({ records: new MemoryMetadataStore(), blobs: artifacts, locate: (key) => `s3://data/${key}` });
    const eda = new EdaSources({
      blobs: artifacts,
      repository,
      locate: (key) => `s3://data/${key}`,
      connections: lookup,
      spark: { artifacts: new ArtifactStore(artifacts), groups, jdbc: { connections: lookup, drop: s3CredentialsDrop({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'data', kmsKeyArn: KMS }) } },
    });
    (h.api.deps as { eda?: EdaSources }).eda = eda;
    expect((await op('PUT', '/api/v1/edaSources/shop', { conn_id: 'warehouse', table: 'public.orders' })).status).toBe(200);
  });
  const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  const deletes = () => s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input);
  const noSecret = (text: string) => {
    for (const secret of [PASSWORD, 'eda_reader', 'db.internal', 'jdbc:postgresql']) expect(text).not.toContain(secret);
  };

  it('writes the object SSE-KMS with the deployment key; the DAG, the pending run, the execution input and the answers hold no secret', async () => {
    const answer = await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0' });
    expect([answer.status, answer.json.state]).toEqual([202, 'deploying']);
    const ts = (answer.json.report_id as string).slice(3);
    expect(puts()).toEqual([
      {
        Bucket: 'data',
        Key: `eda/credentials/${DB_DAG}/${ts}.json`,
        Body: JSON.stringify({ url: 'jdbc:postgresql://db.internal:5432/sales?readOnly=true&readOnlyMode=always', driver: 'org.postgresql.Driver', user: 'eda_reader', password: PASSWORD }),
        ContentType: 'application/json',
        CacheControl: 'no-store',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: KMS,
        BucketKeyEnabled: false,
      },
    ]);
    const file = (await bucket.get(`dags/${DB_DAG}.py`))!.toString('utf8');
    expect(file).toContain(`"--jdbc-credentials", "s3://data/eda/credentials/${DB_DAG}/{{ ts_nodash }}.json", "--table", "\\"public\\".\\"orders\\""`);
    noSecret(file);
    expect(await pending.list()).toEqual([expect.objectContaining({ dag_id: DB_DAG, conf: {} })]);
    noSecret(JSON.stringify(await pending.list()));
    noSecret(answer.text);

    const report = await deployer.handle([{ kind: 'written', key: `dags/${DB_DAG}.py` }]);
    expect(report).toMatchObject({ deployed: [DB_DAG] });
    expect(await h.store.getDagRun(DB_DAG, answer.json.dag_run_id)).toMatchObject({ state: 'running', conf: {} });
    noSecret(JSON.stringify(sfn.calls().map((c) => c.args[0].input)));
    const audit = await call(h, 'GET', '/api/v1/eventLogs', { token: h.tokens.Admin });
    expect(audit.json.event_logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'eda.run', dag_id: DB_DAG })]));
    noSecret(audit.text);
    // The run was started: nothing to take back.
    expect(deletes()).toEqual([]);
  });

  it('removes the object when the run cannot be started; a same-second conflict keeps the other request\'s', async () => {
    duringAdd = async () => {
      throw new Error('the pending-runs table is down');
    };
    const failed = await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0' });
    expect(failed.status).toBe(500);
    const key = puts()[0]!.Key;
    expect(deletes()).toEqual([{ Bucket: 'data', Key: key }]);
    noSecret(failed.text);

    duringAdd = undefined;
    h.clock.advance(1000);
    expect((await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0' })).status).toBe(202);
    const again = await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0' });
    expect(again.status).toBe(409);
    expect(deletes()).toHaveLength(1);
  });

  it('refuses sqlite, an unknown connection and a group without the driver with 400/404, writing nothing', async () => {
    connections.set('file', { conn_id: 'file', conn_type: 'sqlite', host: '/data/x.db', schema: null, login: null, password: null, port: null, extra: {} });
    const sqlite = await op('PUT', '/api/v1/edaSources/local', { conn_id: 'file', table: 'orders' });
    expect([sqlite.status, sqlite.json.detail]).toEqual([400, expect.stringMatching(/a sqlite file on the machine that runs skydag, which a Spark job cannot reach/)]);
    connections.delete('warehouse');
    const unknown = await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0' });
    expect([unknown.status, unknown.json.detail]).toEqual([404, "there is no connection 'warehouse'"]);
    connections.set('warehouse', { conn_id: 'warehouse', conn_type: 'postgres', host: 'db.internal', schema: 'sales', login: 'eda_reader', password: PASSWORD, port: 5432, extra: {} });
    const groups = new ConfigGroupStore(artifacts, new AesGcmCipher(Buffer.alloc(32, 7)));
    await groups.put({ name: 'plain', engine: { type: 'emr', cluster_id: 'j-EDA' } });
    const noDriver = await op('POST', '/api/v1/edaSources/shop/runs', { level: 'L0', config_group: 'plain' });
    expect([noDriver.status, noDriver.json.detail]).toEqual([400, expect.stringMatching(/config group 'plain' has no PostgreSQL JDBC driver/)]);
    expect(puts()).toEqual([]);
    expect((await bucket.list('dags/')).blobs).toEqual([]);
    expect(await pending.list()).toEqual([]);
  });
});
