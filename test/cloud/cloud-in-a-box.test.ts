/**
 * Cloud-in-a-box (issue 8's acceptance): the esbuild bundles `npm run bundle` writes — what CDK
 * deploys — run real DAGs in plain Node (test/cloud/lambda-host.mjs serves them through Lambda's
 * Invoke API), each wired by its own composition root from the environment contract, with real SDK
 * clients whose endpoints point at DynamoDB Local, s3rver and an in-process Step Functions
 * (sfn-emulator.ts: StartExecution/Describe/Stop/SendTask* over HTTP, names and payload limits
 * enforced, Task states invoking the bundled control and runner Lambdas). Runs are created and
 * started by the bundled scheduler pass, and the bundled reconciler and execution-status handlers
 * get what EventBridge would give them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { bundleFunctions } from '../../scripts/bundle-functions.js';
import { syncDagsFolder } from '../../local/platform/dag-sync.js';
import { compileDag } from '../../shared/compiler/compile.js';
import type { DagRunRecord, TaskInstanceRecord } from '../../shared/model/records.js';
import { createDocumentClient, createMetadataTable, DynamoMetadataStore } from '../../shared/stores/dynamodb/index.js';
import { S3BlobStore } from '../../shared/stores/s3/s3-blob-store.js';
import { createRunOnce } from '../../shared/scheduling/runs.js';
import { CloudEnv } from '../../functions/environment.js';
import { describeWhen } from '../helpers/optional-suites.js';
import { dynamoDBLocalRequirement, startDynamoDBLocal, type DynamoDBLocal } from '../contracts/dynamodb-local.js';
import { startS3rver, type LocalS3 } from '../contracts/s3rver.js';
import { SchedulerEmulator } from './scheduler-emulator.js';
import { SfnEmulator } from './sfn-emulator.js';
import { seededRandom } from '../helpers/seeded-random.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ARN_PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:`;
const TABLE = 'skydag-box';
const FUNCTIONS = ['control', 'runner', 'scheduler', 'reconciler', 'execution-status', 'sensor-poker'] as const;
const POKER_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sensor-poker`;
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/skydag-box-scheduler`;

/** A DAG whose sensor pokes in reschedule mode until `ready` exists (the test creates it). */
const sensorDag = (ready: string) => `import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.python import PythonSensor

READY = ${JSON.stringify(ready)}


def ready():
    return os.path.exists(READY)


with DAG("box_sensor", schedule=None, start_date=datetime(2024, 1, 1)):
    wait = PythonSensor(task_id="wait", python_callable=ready, mode="reschedule", poke_interval=5, timeout=600)
    after = BashOperator(task_id="after", bash_command="echo after")
    wait >> after
`;
type FunctionName = (typeof FUNCTIONS)[number];
type Fault = 'none' | 'before' | 'after' | 'twice';


const MAIN_TASKS = {
  start: ['success', 1],
  branch: ['success', 1],
  left: ['success', 1],
  right: ['skipped', 0],
  join: ['success', 1],
  flaky: ['success', 2],
  ready: ['success', 1],
  child: ['success', 1],
};
const FAILING_TASKS = { broken: ['failed', 1], after: ['upstream_failed', 0], cleanup: ['success', 1] };

describeWhen('cloud in a box: the bundled Lambdas run DAGs on emulated AWS', dynamoDBLocalRequirement(), () => {
  let dynamo: DynamoDBLocal;
  let s3: LocalS3;
  let sfn: SfnEmulator;
  let scheduler: SchedulerEmulator;
  let readyFile: string;
  let host: ChildProcess;
  let hostUrl: string;
  let store: DynamoMetadataStore;
  const dirs: string[] = [];
  const invocations = new Map<string, number>();
  /** Faults injected into the control Lambda's invocations as Step Functions sees them (set by the fault test). */
  let faultOf: (() => Fault) | undefined;
  const injected = new Map<Fault, number>();

  /**
   * What Step Functions can see of a control invocation: throttled before it ran (`before`), the
   * handler ran but the invocation failed (`after`: a timeout or a lost response, so the Retry
   * delivers it again), or two deliveries at once (`twice`).
   */
  async function deliver(name: FunctionName, payload: unknown): Promise<unknown> {
    const fault = name === 'control' ? (faultOf?.() ?? 'none') : 'none';
    injected.set(fault, (injected.get(fault) ?? 0) + 1);
    const serviceError = (type: string) => Object.assign(new Error(`injected ${fault}`), { name: type });
    switch (fault) {
      case 'before':
        throw serviceError('Lambda.TooManyRequestsException');
      case 'after':
        await invoke(name, payload);
        throw serviceError('Lambda.ServiceException');
      case 'twice': {
        const [first] = await Promise.allSettled([invoke(name, payload), invoke(name, payload)]);
        if (first.status === 'rejected') throw first.reason;
        return first.value;
      }
      default:
        return invoke(name, payload);
    }
  }

  async function invoke(name: FunctionName, payload: unknown): Promise<unknown> {
    invocations.set(name, (invocations.get(name) ?? 0) + 1);
    const res = await fetch(`${hostUrl}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(payload) });
    const body = (await res.json()) as unknown;
    if (res.headers.get('x-amz-function-error')) {
      const { errorType, errorMessage } = body as { errorType: string; errorMessage: string };
      throw Object.assign(new Error(errorMessage), { name: errorType });
    }
    return body;
  }

  beforeAll(async () => {
    const bundles = mkdtempSync(join(tmpdir(), 'skydag-box-bundles-'));
    const dags = mkdtempSync(join(tmpdir(), 'skydag-box-dags-'));
    dirs.push(bundles, dags);
    cpSync(join(__dirname, '..', 'fixtures', 'cloud', 'box_dags.py'), join(dags, 'box_dags.py'));
    readyFile = join(dags, 'sensor-ready');
    writeFileSync(join(dags, 'box_sensor.py'), sensorDag(readyFile));
    await bundleFunctions(bundles);
    // The JVM starts slowly on a busy machine: one thing at a time, with room.
    dynamo = await startDynamoDBLocal({ timeoutMs: 90_000 });
    s3 = await startS3rver('skydag-artifacts');
    await s3.client.send(new CreateBucketCommand({ Bucket: 'skydag-logs' }));
    await createMetadataTable(dynamo.client, TABLE);

    // What the deployer does on upload: versions, bundles and import errors recorded, machines deployed.
    const artifacts = new S3BlobStore({ client: s3.client, bucket: 'skydag-artifacts' });
    store = new DynamoMetadataStore({ client: createDocumentClient(dynamo.client), tableName: TABLE, blobStore: artifacts });
    const report = await syncDagsFolder(store, dags, { now: new Date(), pausedAtCreation: false, bundles: artifacts });
    expect(report.importErrors).toEqual([]);
    sfn = new SfnEmulator(ARN_PREFIX, {
      invoke: (name, payload) => deliver(name, payload),
      onExecutionEnded: async (event) => void (await invoke('execution-status', event)),
    });
    for (const dagId of ['box_main', 'box_child', 'box_failing', 'box_sensor']) {
      const record = await store.getDag(dagId);
      const version = await store.getDagVersion(dagId, record!.current_version);
      sfn.deploy(compileDag(version!.model));
    }
    const sfnEndpoint = await sfn.listen();
    // EventBridge Scheduler: token waits' one-shots invoke the bundled sensor-poker.
    scheduler = new SchedulerEmulator({ invoke: (name, payload) => invoke(name as FunctionName, payload) });
    const schedulerEndpoint = await scheduler.listen();

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SFN: sfnEndpoint,
      AWS_ENDPOINT_URL_SCHEDULER: schedulerEndpoint,
      [CloudEnv.TABLE_NAME]: TABLE,
      [CloudEnv.ARTIFACTS_BUCKET]: 'skydag-artifacts',
      [CloudEnv.LOGS_BUCKET]: 'skydag-logs',
      [CloudEnv.KMS_KEY_ARN]: `arn:aws:kms:${REGION}:${ACCOUNT}:key/box`,
      [CloudEnv.STATE_MACHINE_ARN_PREFIX]: ARN_PREFIX,
      [CloudEnv.S3_FORCE_PATH_STYLE]: 'true',
      // Waits handed between invocations: the next one is a one-shot invoking the sensor-poker.
      [CloudEnv.SENSOR_POKER_FUNCTION_ARN]: POKER_ARN,
      [CloudEnv.SCHEDULER_GROUP]: 'skydag-box',
      [CloudEnv.SCHEDULER_ROLE_ARN]: SCHEDULER_ROLE,
      [CloudEnv.BUNDLE_ROOT]: join(bundles, 'extracted'),
      ...(process.env.SKYDAG_PYTHON ? { SKYDAG_PYTHON: process.env.SKYDAG_PYTHON } : {}),
    };
    host = spawn(process.execPath, [join(__dirname, 'lambda-host.mjs'), bundles, ...FUNCTIONS], { env, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
    hostUrl = await new Promise<string>((resolve, reject) => {
      host.once('exit', (code) => reject(new Error(`the Lambda host exited (${code})`)));
      host.stdout!.on('data', (chunk: Buffer) => {
        const port = /listening (\d+)/.exec(chunk.toString())?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
    });
  }, 240_000);

  afterAll(async () => {
    host?.kill('SIGTERM');
    await scheduler?.close();
    await sfn?.close();
    await Promise.all([dynamo?.stop(), s3?.stop()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function runsOf(dagId: string): Promise<DagRunRecord[]> {
    return store.listDagRuns(dagId, {});
  }

  async function tasksOf(run: DagRunRecord): Promise<Record<string, [string | null, number]>> {
    const tis: TaskInstanceRecord[] = await store.listTaskInstances(run.dag_id, run.run_id);
    return Object.fromEntries(tis.map((ti) => [ti.task_id, [ti.state, ti.try_number]]));
  }

  it('the scheduler pass creates and starts the due runs, which end as Airflow ends them', async () => {
    const pass = (await invoke('scheduler', { dag_id: 'box_main' })) as { created: string[]; started: string[]; errors: unknown[] };
    expect(pass.errors).toEqual([]);
    expect(pass.created.sort()).toEqual(['box_failing/scheduled__2024-01-01T00:00:00+00:00', 'box_main/scheduled__2024-01-01T00:00:00+00:00']);
    expect(pass.started).toHaveLength(2);
    // A second pass at once (a twin delivery) creates and starts nothing new.
    const twin = (await invoke('scheduler', {})) as { created: string[] };
    expect(twin.created).toEqual([]);
    await sfn.drain();

    const [main] = await runsOf('box_main');
    expect(main!.state).toBe('success');
    expect(await tasksOf(main!)).toEqual(MAIN_TASKS);
    const [child] = await runsOf('box_child');
    expect(child).toMatchObject({ state: 'success', run_type: 'manual' });
    expect(await tasksOf(child!)).toEqual({ hello: ['success', 1] });

    const [failing] = await runsOf('box_failing');
    expect(failing!.state).toBe('failed');
    expect(await tasksOf(failing!)).toEqual(FAILING_TASKS);

    // Every execution the adapters started ended, and went through the real API calls.
    expect([...sfn.executions.values()].every((e) => e.status !== 'RUNNING')).toBe(true);
    expect(sfn.calls.get('SendTaskSuccess')).toBeGreaterThan(0);
    expect(invocations.get('execution-status')).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('task logs are S3 objects, one per try', async () => {
    const logs = new S3BlobStore({ client: s3.client, bucket: 'skydag-logs' });
    const keys = (await logs.list('')).blobs.map((b) => b.key);
    expect(keys.filter((k) => k.includes('task_id=flaky'))).toHaveLength(2);
    const [main] = await runsOf('box_main');
    const log = (await logs.get(keys.find((k) => k.includes('task_id=start'))!))!.toString('utf8');
    expect(log).toContain('start');
    expect(main!.state).toBe('success');
  });

  it('the reconciler finds nothing to repair once every run ended', async () => {
    const report = (await invoke('reconciler', {})) as { runs: number; finalized: string[]; errors: string[] };
    expect(report).toMatchObject({ runs: 0, finalized: [], errors: [] });
  });

  it('a sensor in reschedule mode frees its compute between pokes: each next poke is a Scheduler one-shot invoking the sensor-poker, which keeps the token', async () => {
    const record = (await store.getDag('box_sensor'))!;
    const dag = (await store.getDagVersion('box_sensor', record.current_version))!.model;
    const logicalDate = new Date('2024-03-01T00:00:00Z');
    const created = await createRunOnce(store, dag, { runType: 'scheduled', info: { logicalDate, runAfter: logicalDate, dataInterval: { start: logicalDate, end: logicalDate } }, dagVersion: record.current_version, now: new Date() });
    if (!created.created) throw new Error('the run exists already');
    const { run } = created;
    const pass = (await invoke('scheduler', {})) as { started: string[] };
    expect(pass.started).toContain(`box_sensor/${run.run_id}`);
    // Poked, not ready, handed off: the task waits as up_for_reschedule (no Lambda held), poked again by one-shots.
    const oneShots = () => scheduler.requests.filter((r) => r.operation === 'CreateSchedule');
    const deadline = Date.now() + 60_000;
    while (!(oneShots().length >= 2 && scheduler.fired.length >= 1 && (await store.getTaskInstance('box_sensor', run.run_id, 'wait'))?.state === 'up_for_reschedule')) {
      if (Date.now() > deadline) throw new Error(`the sensor was not rescheduled: ${JSON.stringify({ requests: scheduler.requests, fired: scheduler.fired })}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    writeFileSync(readyFile, '');
    await scheduler.drain();
    await sfn.drain();

    const [ended] = (await runsOf('box_sensor')).filter((r) => r.run_id === run.run_id);
    expect(ended!.state).toBe('success');
    expect(await tasksOf(ended!)).toEqual({ wait: ['success', 1], after: ['success', 1] });
    // Each next invocation (the runner's was the first): an at() one-shot in the deployment's group,
    // deleted after it fires, whose input names the run, task, try and invocation, never the task token.
    const creates = oneShots();
    for (const [i, { name, body }] of creates.entries()) {
      expect(body).toMatchObject({
        GroupName: 'skydag-box',
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: POKER_ARN, RoleArn: SCHEDULER_ROLE },
      });
      expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
      expect(String(body.ScheduleExpression)).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
      const input = JSON.parse((body.Target as { Input: string }).Input) as Record<string, unknown>;
      expect(input).toEqual({ action: expect.any(String), run: { dag_id: 'box_sensor', run_id: run.run_id }, task_id: 'wait', try_number: 1, invocation: i + 2 });
    }
    expect(JSON.stringify(creates.map((c) => c.body.Target))).not.toMatch(/token/i);
    expect(scheduler.fired.every((f) => f.functionName === 'sensor-poker' && f.error === undefined)).toBe(true);
    expect(scheduler.fired.length).toBe(creates.length);
    // Every one-shot fired and deleted itself; the pokes heartbeat the waiting state.
    expect(scheduler.schedules.size).toBe(0);
    expect(sfn.calls.get('SendTaskHeartbeat')).toBeGreaterThanOrEqual(creates.length);
  }, 120_000);

  it('with control deliveries throttled, lost after running and doubled at random, runs end as without faults and none stays running', async () => {
    const seed = Number(process.env.SKYDAG_FAULT_SEED ?? 8);
    const random = seededRandom(seed);
    faultOf = () => {
      const r = random();
      return r < 0.12 ? 'before' : r < 0.24 ? 'after' : r < 0.36 ? 'twice' : 'none';
    };
    try {
      // New runs of both DAGs, created queued as the scheduler creates them; the bundled pass starts them.
      const logicalDate = new Date('2024-02-01T00:00:00Z');
      for (const dagId of ['box_main', 'box_failing']) {
        const record = (await store.getDag(dagId))!;
        const dag = (await store.getDagVersion(dagId, record.current_version))!.model;
        await createRunOnce(store, dag, { runType: 'scheduled', info: { logicalDate, runAfter: logicalDate, dataInterval: { start: logicalDate, end: logicalDate } }, dagVersion: record.current_version, now: new Date() });
      }
      const pass = (await invoke('scheduler', {})) as { started: string[] };
      expect(pass.started).toHaveLength(2);
      await sfn.drain();
      // The reconciler runs every minute in the cloud: whatever a lost delivery left, it repairs.
      await invoke('reconciler', {});
      await sfn.drain();
    } finally {
      faultOf = undefined;
    }
    const context = `seed ${seed}, faults ${JSON.stringify(Object.fromEntries(injected))}`;
    expect(injected.get('after') ?? 0).toBeGreaterThan(0);
    expect(injected.get('twice') ?? 0).toBeGreaterThan(0);
    const main = (await runsOf('box_main')).find((r) => r.run_id === 'scheduled__2024-02-01T00:00:00+00:00')!;
    const failing = (await runsOf('box_failing')).find((r) => r.run_id === 'scheduled__2024-02-01T00:00:00+00:00')!;
    expect({ context, main: main.state, failing: failing.state }).toEqual({ context, main: 'success', failing: 'failed' });
    expect({ context, tasks: await tasksOf(main) }).toEqual({ context, tasks: MAIN_TASKS });
    expect({ context, tasks: await tasksOf(failing) }).toEqual({ context, tasks: FAILING_TASKS });
    // No run is left running after its execution ended, and no token is left waiting.
    for (const dagId of ['box_main', 'box_child', 'box_failing']) expect({ context, dagId, running: (await runsOf(dagId)).filter((r) => r.state === 'running').map((r) => r.run_id) }).toEqual({ context, dagId, running: [] });
    expect(sfn.tokens.waiting).toBe(0);
  }, 180_000);
});
