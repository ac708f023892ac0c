/** SfnRuns: starting a run is idempotent per generation; a run whose execution ended starts again under the next one. */
import { DescribeExecutionCommand, SFNClient, SFNServiceException, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { executionName } from '../runtime/execution-names.js';
import { handlerHarness } from '../runtime/test-support/handler-harness.js';
import { SfnRuns } from './run-starter.js';
import { SfnExecutions } from './step-functions.js';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012:stateMachine:';
const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
const missing = () => new SFNServiceException({ name: 'ExecutionDoesNotExist', $fault: 'client', $metadata: {}, message: 'no such execution' });

async function setup() {
  const h = await handlerHarness(makeDag('etl', [makeTask('a'), makeTask('b')], [['a', 'b']]));
  const source = h.deps.dags;
  const dags = {
    getDag: source.getDag.bind(source),
    currentVersion: source.currentVersion.bind(source),
    sourceLocation: source.sourceLocation.bind(source),
    stateMachineFor: async (dagId: string) => `${PREFIX}skydag-${dagId}:live`,
  };
  const runs = new SfnRuns({ store: h.deps.store, dags, executions: new SfnExecutions(new SFNClient({}), { sleep: async () => undefined }), stateMachineArnPrefix: PREFIX });
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: `${PREFIX.replace('stateMachine', 'execution')}skydag-etl:${input.name}`, startDate: new Date() }));
  return { h, runs };
}

it('starts a fresh run under generation 0, and again under the same name while it was never started or still runs', async () => {
  const { h, runs } = await setup();
  sfn.on(DescribeExecutionCommand).rejects(missing());
  await runs.startRun(h.run);
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  await runs.startRun(h.run);
  const starts = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
  expect(starts).toEqual([
    { stateMachineArn: `${PREFIX}skydag-etl:live`, name: executionName(h.run, 0), input: JSON.stringify({ run: h.ref }) },
    { stateMachineArn: `${PREFIX}skydag-etl:live`, name: executionName(h.run, 0), input: JSON.stringify({ run: h.ref }) },
  ]);
  expect(sfn.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({ executionArn: `arn:aws:states:eu-west-1:123456789012:execution:skydag-etl:${executionName(h.run, 0)}` });
  expect((await h.deps.store.getDagRun('etl', h.run.run_id))!.generation ?? 0).toBe(0);
});

it('restarts a run whose execution ended under the next generation, its orphaned tasks reset', async () => {
  const { h, runs } = await setup();
  await h.deps.store.updateTaskInstance('etl', h.run.run_id, 'a', { state: 'success', try_number: 1 });
  await h.deps.store.updateTaskInstance('etl', h.run.run_id, 'b', { state: 'running', try_number: 1, token: 'lost' });
  sfn.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });
  await runs.startRun(h.run);
  expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name).toBe(executionName(h.run, 1));
  expect((await h.deps.store.getDagRun('etl', h.run.run_id))!.generation).toBe(1);
  const tis = Object.fromEntries((await h.deps.store.listTaskInstances('etl', h.run.run_id)).map((ti) => [ti.task_id, [ti.state, ti.token]]));
  expect(tis).toEqual({ a: ['success', null], b: [null, null] });
});

it("reports the current generation's status, unknown when it never started, and stops it", async () => {
  const { h, runs } = await setup();
  sfn.on(DescribeExecutionCommand).rejects(missing());
  expect(await runs.statusOf(h.run)).toBeUndefined();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'TIMED_OUT' });
  expect(await runs.statusOf({ ...h.ref, generation: 2 })).toBe('TIMED_OUT');
  expect(sfn.commandCalls(DescribeExecutionCommand).at(-1)!.args[0].input.executionArn).toMatch(new RegExp(`:execution:skydag-etl:${executionName(h.run, 2)}$`));
  sfn.on(StopExecutionCommand).resolves({});
  await runs.stop({ ...h.run, state: 'failed' }, 'the run was set to failed');
  expect(sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input).toMatchObject({ executionArn: expect.stringContaining(executionName(h.run, 0)), error: 'Skydag.RunStopped' });
});
