/**
 * The DAG deployer against mocked Step Functions and EventBridge Scheduler clients (exact calls
 * asserted), with the DAGs bucket as a filesystem blob store and the metadata store in memory: a new
 * file, a changed one, a broken one, a deleted one, a duplicated event and a changed helper module.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient, SchedulerServiceException, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  ListStateMachineAliasesCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  SFNServiceException,
  StopExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { dagFolderSync } from '../../local/platform/dag-sync.js';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { MemoryMetadataStore } from '../../local/stores/memory-metadata.js';
import { SchedulerDagSchedules, SfnMachinePublisher } from './dag-deployment.js';
import { runExecutionArn, stopRunExecution } from './run-starter.js';
import { SfnExecutions } from './step-functions.js';
import { launchDagRun } from '../runtime/handlers/launch.js';
import { DagRunState, TaskState } from '../runtime/states.js';
import { loadDagFile } from '../frontends/index.js';
import { DagDeployer, substitutePlaceholders } from '../deploy/dag-deployer.js';
import { DagsMirror } from '../deploy/dags-mirror.js';
import { blobDagTree, type GitProvenance } from '../git/pull.js';
import { GitProvenanceRecords } from '../git/provenance.js';

const sfn = mockClient(SFNClient);
const scheduler = mockClient(SchedulerClient);

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const ROLE = 'arn:aws:iam::123456789012:role/skydag-machines';
const LOGS = 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/skydag:*';
const PASS_FN = 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-scheduler';
const SCHEDULER_ROLE = 'arn:aws:iam::123456789012:role/skydag-scheduler';
const SUBSTITUTIONS = {
  SkydagControlFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-control',
  SkydagRunnerFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:skydag-runner',
  SkydagTaskClusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/skydag',
  SkydagTaskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/skydag-runner:1',
  SkydagTaskSubnetA: 'subnet-0a',
  SkydagTaskSubnetB: 'subnet-0b',
  SkydagTaskSecurityGroup: 'sg-0c',
};

const dagFile = (command: string, schedule = "'0 6 * * 1-5'") => `
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG('sales', schedule=${schedule}, start_date=pendulum.datetime(2024, 1, 1, tz='Europe/Paris'), catchup=False) as dag:
    BashOperator(task_id='extract', bash_command='${command}')
`;

const awsSfnError = (name: string) => new SFNServiceException({ name, $fault: 'client', $metadata: {}, message: name });
const awsSchedulerError = (name: string) => new SchedulerServiceException({ name, $fault: 'client', $metadata: {}, message: name });

let root: string;
let bucket: FsBlobStore;
let store: MemoryMetadataStore;
let deployer: DagDeployer;
let provenance: GitProvenanceRecords;
let published: number;

beforeEach(() => {
  sfn.reset();
  scheduler.reset();
  root = mkdtempSync(join(tmpdir(), 'skydag-deployer-'));
  bucket = new FsBlobStore(join(root, 'bucket'));
  store = new MemoryMetadataStore();
  published = 0;
  const version = () => ({ stateMachineVersionArn: `${PREFIX}skydag-sales:${++published}` });
  sfn.on(CreateStateMachineCommand).callsFake(() => {
    if (published > 0) throw awsSfnError('StateMachineAlreadyExists');
    return { stateMachineArn: `${PREFIX}skydag-sales`, ...version() };
  });
  sfn.on(UpdateStateMachineCommand).resolves({});
  sfn.on(PublishStateMachineVersionCommand).callsFake(version);
  sfn.on(ListStateMachineAliasesCommand).callsFake(() => ({ stateMachineAliases: published > 1 ? [{ stateMachineAliasArn: `${PREFIX}skydag-sales:live` }] : [] }));
  sfn.on(CreateStateMachineAliasCommand).resolves({ stateMachineAliasArn: `${PREFIX}skydag-sales:live` });
  sfn.on(UpdateStateMachineAliasCommand).resolves({});
  let created = false;
  scheduler.on(UpdateScheduleCommand).callsFake(() => {
    if (!created) throw awsSchedulerError('ResourceNotFoundException');
    return {};
  });
  scheduler.on(CreateScheduleCommand).callsFake(() => {
    created = true;
    return {};
  });
  scheduler.on(DeleteScheduleCommand).rejects(awsSchedulerError('ResourceNotFoundException'));
  provenance = new GitProvenanceRecords(new FsBlobStore(join(root, 'artifacts')));
  deployer = deployerFor(store);
});

/** A deployer over the shared bucket and mocked clients, recording into `target`. */
function deployerFor(target: MemoryMetadataStore): DagDeployer {
  return new DagDeployer({
    store: target,
    gitProvenance: (file, content) => provenance.find(file, content),
    mirror: new DagsMirror({ blobs: bucket, prefix: 'dags/', folder: join(root, 'mirror') }),
    sync: dagFolderSync(target, {
      now: () => new Date('2024-06-01T00:00:00Z'),
      pausedAtCreation: true,
      bundles: new FsBlobStore(join(root, 'artifacts')),
      loader: { load: async (source, options) => loadDagFile(source, options) },
    }),
    machines: new SfnMachinePublisher(new SFNClient({}), { arnPrefix: PREFIX, roleArn: ROLE, alias: 'live', logGroupArn: LOGS }),
    schedules: new SchedulerDagSchedules(new SchedulerClient({}), 'skydag', { arn: PASS_FN, roleArn: SCHEDULER_ROLE }),
    substitutions: SUBSTITUTIONS,
    stopRun: (run, reason) => stopRunExecution(new SfnExecutions(new SFNClient({})), PREFIX, run, reason),
    clock: () => new Date('2024-06-02T00:00:00Z'),
  });
}

afterEach(() => rmSync(root, { recursive: true, force: true }));

const upload = async (file: string, text: string) => {
  await bucket.put(`dags/${file}`, text);
  return deployer.handle([{ kind: 'written', key: `dags/${file}` }]);
};
const remove = async (file: string) => {
  await bucket.delete(`dags/${file}`);
  return deployer.handle([{ kind: 'deleted', key: `dags/${file}` }]);
};
const sfnCalls = () => sfn.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
const schedulerCalls = () => scheduler.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
const resetCalls = () => {
  sfn.resetHistory();
  scheduler.resetHistory();
};

describe('DagDeployer', () => {
  it('deploys a new DAG file: state machine with logging and tracing, version, alias, schedule; records the version', async () => {
    const report = await upload('sales.py', dagFile('echo one'));
    expect(report).toMatchObject({ registered: ['sales'], deployed: ['sales'], importErrors: [] });
    expect(sfnCalls()).toEqual(['CreateStateMachineCommand', 'ListStateMachineAliasesCommand', 'CreateStateMachineAliasCommand']);
    const create = sfn.commandCalls(CreateStateMachineCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      name: 'skydag-sales',
      roleArn: ROLE,
      type: 'STANDARD',
      publish: true,
      loggingConfiguration: { level: 'ERROR', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOGS } }] },
      tracingConfiguration: { enabled: true },
    });
    expect(create.definition).toContain(SUBSTITUTIONS.SkydagControlFunctionArn);
    expect(create.definition).not.toMatch(/\$\{Skydag/);
    expect(sfn.commandCalls(CreateStateMachineAliasCommand)[0]!.args[0].input).toEqual({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: `${PREFIX}skydag-sales:1`, weight: 100 }] });

    expect(schedulerCalls()).toEqual(['UpdateScheduleCommand', 'CreateScheduleCommand', 'DeleteScheduleCommand']);
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).toMatchObject({
      GroupName: 'skydag',
      ScheduleExpression: 'cron(0 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: PASS_FN, RoleArn: SCHEDULER_ROLE, Input: '{"dag_id":"sales"}' },
    });

    const dag = await store.getDag('sales');
    expect(dag).toMatchObject({ is_active: true, is_paused: true });
    const version = await store.getDagVersion('sales', dag!.current_version!);
    expect(version).toMatchObject({ state_machine_version_arn: `${PREFIX}skydag-sales:1`, fileloc: 'sales.py' });
    expect(version!.bundle).toMatch(/^[0-9a-f]{64}$/);
  });

  it('deploys a changed file as a new version: update, publish, move the alias; the old version keeps its machine version', async () => {
    await upload('sales.py', dagFile('echo one'));
    const first = (await store.getDag('sales'))!.current_version!;
    resetCalls();
    const report = await upload('sales.py', dagFile('echo two', "'@hourly'"));
    expect(report).toMatchObject({ updated: ['sales'], deployed: ['sales'] });
    expect(sfnCalls()).toEqual(['CreateStateMachineCommand', 'UpdateStateMachineCommand', 'PublishStateMachineVersionCommand', 'ListStateMachineAliasesCommand', 'UpdateStateMachineAliasCommand']);
    expect(sfn.commandCalls(UpdateStateMachineCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: `${PREFIX}skydag-sales`, roleArn: ROLE, tracingConfiguration: { enabled: true } });
    expect(sfn.commandCalls(UpdateStateMachineAliasCommand)[0]!.args[0].input).toEqual({
      stateMachineAliasArn: `${PREFIX}skydag-sales:live`,
      routingConfiguration: [{ stateMachineVersionArn: `${PREFIX}skydag-sales:2`, weight: 100 }],
    });
    expect(schedulerCalls()).toEqual(['UpdateScheduleCommand', 'DeleteScheduleCommand']);
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toMatchObject({ ScheduleExpression: 'cron(0 * * * ? *)', State: 'ENABLED' });
    const second = (await store.getDag('sales'))!.current_version!;
    expect(second).not.toBe(first);
    expect((await store.getDagVersion('sales', first))!.state_machine_version_arn).toBe(`${PREFIX}skydag-sales:1`);
    expect((await store.getDagVersion('sales', second))!.state_machine_version_arn).toBe(`${PREFIX}skydag-sales:2`);
  });

  it('records a broken file as an import error and deploys nothing; the DAG keeps its last good version', async () => {
    await upload('sales.py', dagFile('echo one'));
    const good = (await store.getDag('sales'))!.current_version;
    resetCalls();
    const report = await upload('sales.py', `${dagFile('echo two')}\n    BashOperator(task_id='extract', bash_command='again')\n`);
    expect(report).toMatchObject({ importErrors: ['sales.py'], deployed: [] });
    expect(sfnCalls()).toEqual([]);
    expect(schedulerCalls()).toEqual([]);
    expect((await store.listImportErrors()).items.map((e) => e.filename)).toEqual(['sales.py']);
    expect((await store.getDag('sales'))!.current_version).toBe(good);
  });

  it('disables the schedule and deactivates the DAG when its file is deleted; no state machine call', async () => {
    await upload('sales.py', dagFile('echo one'));
    resetCalls();
    const report = await remove('sales.py');
    expect(report).toMatchObject({ deactivated: ['sales'], deployed: [] });
    expect(sfnCalls()).toEqual([]);
    expect(schedulerCalls()).toEqual(['UpdateScheduleCommand', 'DeleteScheduleCommand']);
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input).toMatchObject({ ScheduleExpression: 'cron(0 6 ? * MON-FRI *)', State: 'DISABLED' });
    expect((await store.getDag('sales'))!.is_active).toBe(false);
  });

  it('a deleted DAG\'s queued and running runs are marked failed and their executions stopped; finished runs are left alone', async () => {
    await upload('sales.py', dagFile('echo one'));
    const record = (await store.getDag('sales'))!;
    const model = (await store.getDagVersion('sales', record.current_version))!.model;
    const launch = (runId: string, day: number) => launchDagRun(store, model, { runType: 'manual', logicalDate: new Date(Date.UTC(2024, 4, day)), runId, now: new Date('2024-06-01T00:00:00Z') });
    const running = await launch('running_1', 1);
    await store.updateDagRun('sales', running.run_id, { state: DagRunState.RUNNING, generation: 1 });
    await store.updateTaskInstance('sales', running.run_id, 'extract', { state: TaskState.RUNNING, try_number: 1 });
    const queued = await launch('queued', 2);
    const done = await launch('done', 3);
    await store.updateDagRun('sales', done.run_id, { state: DagRunState.SUCCESS });
    sfn.on(StopExecutionCommand).resolves({});
    resetCalls();
    await remove('sales.py');
    const stopped = sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input);
    expect(stopped.map((input) => input.executionArn).sort()).toEqual([runExecutionArn(PREFIX, { ...running, generation: 1 }), runExecutionArn(PREFIX, queued)].sort());
    expect(stopped[0]).toMatchObject({ error: 'Skydag.RunStopped', cause: "DAG 'sales' was removed: its file was deleted from the DAGs bucket" });
    expect(await store.getDagRun('sales', running.run_id)).toMatchObject({ state: 'failed', end_date: '2024-06-02T00:00:00.000Z' });
    expect(await store.getTaskInstance('sales', running.run_id, 'extract')).toMatchObject({ state: 'failed' });
    expect(await store.getDagRun('sales', queued.run_id)).toMatchObject({ state: 'failed' });
    expect(await store.getTaskInstance('sales', queued.run_id, 'extract')).toMatchObject({ state: 'skipped' });
    expect((await store.getDagRun('sales', done.run_id))!.state).toBe('success');
    // A duplicate delivery of the deletion finds nothing left to stop.
    resetCalls();
    await deployer.handle([{ kind: 'deleted', key: 'dags/sales.py' }]);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('a deletion whose first delivery died while ending the runs ends them when retried, though the DAG is inactive by then', async () => {
    await upload('sales.py', dagFile('echo one'));
    const record = (await store.getDag('sales'))!;
    const model = (await store.getDagVersion('sales', record.current_version))!.model;
    const run = await launchDagRun(store, model, { runType: 'manual', logicalDate: new Date(Date.UTC(2024, 4, 1)), runId: 'running_1', now: new Date('2024-06-01T00:00:00Z') });
    await store.updateDagRun('sales', run.run_id, { state: DagRunState.RUNNING, generation: 1 });
    sfn.on(StopExecutionCommand).resolves({});
    // The first delivery deactivates the DAG, then dies (a throttled write) before the run is ended.
    const updateDagRun = store.updateDagRun.bind(store);
    const throttled = jest.spyOn(store, 'updateDagRun').mockImplementationOnce(async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    });
    await expect(remove('sales.py')).rejects.toThrow('Rate exceeded');
    throttled.mockImplementation(updateDagRun);
    expect((await store.getDag('sales'))!.is_active).toBe(false);
    expect((await store.getDagRun('sales', run.run_id))!.state).toBe('running');
    resetCalls();
    // Lambda retries the event: the run is ended and its execution stopped all the same.
    const retried = await deployer.handle([{ kind: 'deleted', key: 'dags/sales.py' }]);
    expect(retried.deactivated).toEqual([]);
    expect((await store.getDagRun('sales', run.run_id))!.state).toBe('failed');
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([runExecutionArn(PREFIX, { ...run, generation: 1 })]);
    expect(schedulerCalls()).toContain('UpdateScheduleCommand');
    // Once ended, a further delivery has nothing left to stop.
    resetCalls();
    await deployer.handle([{ kind: 'deleted', key: 'dags/sales.py' }]);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it("records a git pull's commit with the versions its files bring; a file changed since by hand gets none", async () => {
    const pull: GitProvenance = { repository: 'https://git.example.com/etl.git', branch: 'main', commit: 'a'.repeat(40), user: 'alice' };
    await blobDagTree(bucket, 'dags/', provenance).write('git/alice/sales.py', Buffer.from(dagFile('echo one')), pull);
    expect(await deployer.handle([{ kind: 'written', key: 'dags/git/alice/sales.py' }])).toMatchObject({ registered: ['sales'] });
    const pulled = (await store.getDag('sales'))!.current_version!;
    expect((await store.getDagVersion('sales', pulled))!.git).toEqual(pull);
    // Uploaded over it by hand: the content is not what the pull wrote.
    await upload('git/alice/sales.py', dagFile('echo two'));
    const edited = (await store.getDag('sales'))!.current_version!;
    expect(edited).not.toBe(pulled);
    expect((await store.getDagVersion('sales', edited))!.git).toBeUndefined();
    expect((await store.getDagVersion('sales', pulled))!.git).toEqual(pull);
  });

  it('makes no AWS call for a duplicated event', async () => {
    await upload('sales.py', dagFile('echo one'));
    resetCalls();
    const again = await deployer.handle([{ kind: 'written', key: 'dags/sales.py' }, { kind: 'written', key: 'dags/sales.py' }]);
    expect(again).toMatchObject({ unchanged: ['sales'], deployed: [] });
    expect(sfnCalls()).toEqual([]);
    expect(schedulerCalls()).toEqual([]);
  });

  it('deploys a version an archive import recorded without a state machine, records its machine version, then treats it as deployed', async () => {
    await upload('sales.py', dagFile('echo one'));
    const version = (await store.getDag('sales'))!.current_version!;
    // What an import writes before the file (shared/transfer/plan-versions.ts): the source's record, no machine version.
    const { state_machine_version_arn: _arn, ...archived } = (await store.getDagVersion('sales', version))!;
    const target = new MemoryMetadataStore();
    await target.putDagVersion(archived);
    const importing = deployerFor(target);
    resetCalls();
    expect(await importing.handle([{ kind: 'written', key: 'dags/sales.py' }])).toMatchObject({ registered: ['sales'], deployed: ['sales'] });
    expect(sfnCalls()).toContain('PublishStateMachineVersionCommand');
    expect((await target.getDag('sales'))!.current_version).toBe(version);
    expect(await target.getDagVersion('sales', version)).toEqual({ ...archived, state_machine_version_arn: `${PREFIX}skydag-sales:2` });
    resetCalls();
    expect(await importing.handle([{ kind: 'written', key: 'dags/sales.py' }])).toMatchObject({ unchanged: ['sales'], deployed: [] });
    expect(sfnCalls()).toEqual([]);
  });

  it('moves the alias back when a file changes back to an earlier version', async () => {
    await upload('sales.py', dagFile('echo one'));
    await upload('sales.py', dagFile('echo two'));
    resetCalls();
    const report = await upload('sales.py', dagFile('echo one'));
    expect(report).toMatchObject({ updated: ['sales'], deployed: ['sales'] });
    expect(sfn.commandCalls(UpdateStateMachineAliasCommand)[0]!.args[0].input.routingConfiguration).toEqual([{ stateMachineVersionArn: `${PREFIX}skydag-sales:3`, weight: 100 }]);
  });

  it('reads the bucket as it is now: a late "written" event for a file deleted since deactivates it', async () => {
    await upload('sales.py', dagFile('echo one'));
    await bucket.delete('dags/sales.py');
    resetCalls();
    const report = await deployer.handle([{ kind: 'written', key: 'dags/sales.py' }]);
    expect(report.deactivated).toEqual(['sales']);
    expect(sfnCalls()).toEqual([]);
  });

  it('redeploys the DAGs that import a changed helper module (their bundle changed)', async () => {
    await bucket.put('dags/helpers/commands.py', 'def run():\n    return 1\n');
    const withHelper = dagFile('unused')
      .replace('from airflow.operators.bash import BashOperator', 'from airflow.operators.python import PythonOperator\nfrom helpers.commands import run')
      .replace("BashOperator(task_id='extract', bash_command='unused')", "PythonOperator(task_id='extract', python_callable=run)");
    expect((await upload('sales.py', withHelper)).registered).toEqual(['sales']);
    const first = (await store.getDag('sales'))!.current_version;
    resetCalls();
    const report = await upload('helpers/commands.py', 'def run():\n    return 2\n');
    expect(report).toMatchObject({ updated: ['sales'], deployed: ['sales'] });
    expect(sfnCalls()).toEqual(['CreateStateMachineCommand', 'UpdateStateMachineCommand', 'PublishStateMachineVersionCommand', 'ListStateMachineAliasesCommand', 'UpdateStateMachineAliasCommand']);
    expect((await store.getDag('sales'))!.current_version).not.toBe(first);
  });

  it('ignores keys outside the DAGs prefix', async () => {
    await bucket.put('other/sales.py', dagFile('echo one'));
    const report = await deployer.handle([{ kind: 'written', key: 'other/sales.py' }]);
    expect(report).toMatchObject({ registered: [], deployed: [] });
    expect(sfnCalls()).toEqual([]);
  });

  it('leaves the DAG unregistered when deploying fails, so the retried event deploys it', async () => {
    let denied = false;
    sfn.on(CreateStateMachineCommand).callsFake(() => {
      if (!denied) {
        denied = true;
        throw awsSfnError('AccessDeniedException');
      }
      return { stateMachineArn: `${PREFIX}skydag-sales`, stateMachineVersionArn: `${PREFIX}skydag-sales:${++published}` };
    });
    await bucket.put('dags/sales.py', dagFile('echo one'));
    await expect(deployer.handle([{ kind: 'written', key: 'dags/sales.py' }])).rejects.toThrow('AccessDeniedException');
    expect(await store.getDag('sales')).toBeUndefined();
    resetCalls();
    const retried = await deployer.handle([{ kind: 'written', key: 'dags/sales.py' }]);
    expect(retried).toMatchObject({ registered: ['sales'], deployed: ['sales'] });
    expect(sfnCalls()).toEqual(['CreateStateMachineCommand', 'ListStateMachineAliasesCommand', 'CreateStateMachineAliasCommand']);
    expect((await store.getDagVersion('sales', (await store.getDag('sales'))!.current_version!))!.state_machine_version_arn).toBe(`${PREFIX}skydag-sales:1`);
  });
});

describe('substitutePlaceholders', () => {
  it('fills every placeholder and refuses one it has no value for', () => {
    expect(substitutePlaceholders({ a: ['${X}-${X}', { b: '${Y}' }], n: 1 }, { X: 'x', Y: 'y' }, 'm')).toEqual({ a: ['x-x', { b: 'y' }], n: 1 });
    expect(() => substitutePlaceholders({ a: '${Z}' }, {}, 'skydag-m')).toThrow('state machine skydag-m: no deploy-time value for ${Z}');
  });
});
