import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachineAliasesCommand,
  PublishStateMachineVersionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../runtime/execution-names.js';
import { deliverAnswer, TaskTokenGoneError } from '../runtime/handlers/token-answers.js';
import { deployStateMachine, SfnExecutions, SfnTaskTokens } from './step-functions.js';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());

const noWait = { sleep: async () => undefined };
const awsError = (name: string, fault: 'client' | 'server' = 'client') => new SFNServiceException({ name, $fault: fault, $metadata: {}, message: name });

describe('task tokens', () => {
  it('sends success with the JSON output and failure with error and cause cut to Step Functions limits', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({}).on(SendTaskFailureCommand).resolves({}).on(SendTaskHeartbeatCommand).resolves({});
    const tokens = new SfnTaskTokens(new SFNClient({}));
    await tokens.sendSuccess('tok-1', { decision: 'run', try_number: 2 });
    await tokens.sendFailure('tok-2', 'E'.repeat(300), 'c'.repeat(40_000));
    await tokens.sendHeartbeat('tok-3');
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok-1', output: '{"decision":"run","try_number":2}' });
    const failure = sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(failure.taskToken).toBe('tok-2');
    expect(failure.error).toHaveLength(256);
    expect(failure.cause).toHaveLength(32_768);
    expect(sfn.commandCalls(SendTaskHeartbeatCommand)[0]!.args[0].input).toEqual({ taskToken: 'tok-3' });
  });

  it('throttled answers are retried by deliverAnswer until delivered (a lost answer would hang the run)', async () => {
    const tokens = new SfnTaskTokens(new SFNClient({ maxAttempts: 1 }));
    sfn.on(SendTaskSuccessCommand).rejects(awsError('ThrottlingException'));
    await expect(tokens.sendSuccess('tok', {})).rejects.toThrow('ThrottlingException');
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).rejectsOnce(awsError('ThrottlingException')).rejectsOnce(awsError('ServiceUnavailable', 'server')).resolves({});
    await expect(deliverAnswer({ tokens, ...noWait }, (t) => t.sendSuccess('tok', {}))).resolves.toBe('answered');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(3);
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])('reports %s as TaskTokenGoneError (the state is gone or was answered), not retried', async (name) => {
    sfn.on(SendTaskSuccessCommand).rejects(awsError(name));
    const tokens = new SfnTaskTokens(new SFNClient({}));
    await expect(tokens.sendSuccess('tok', {})).rejects.toMatchObject({ name: 'TaskTokenGoneError', reason: name });
    await expect(tokens.sendSuccess('tok', {})).rejects.toBeInstanceOf(TaskTokenGoneError);
    sfn.resetHistory();
    await expect(deliverAnswer({ tokens, ...noWait }, (t) => t.sendSuccess('tok', {}))).resolves.toBe('gone');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('fails loudly, without retrying, on an output Step Functions refuses', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(awsError('InvalidOutput'));
    await expect(new SfnTaskTokens(new SFNClient({})).sendSuccess('tok', {})).rejects.toThrow('InvalidOutput');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });
});

describe('executions', () => {
  it('starts a run generation with its sanitised name and only the run reference as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const arn = await new SfnExecutions(new SFNClient({}), noWait).start({ stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:skydag-etl:live', run: { dag_id: 'etl', run_id: 'manual__x:y' }, generation: 3 });
    expect(arn).toBe('arn:exec');
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:skydag-etl:live',
      name: executionName({ dag_id: 'etl', run_id: 'manual__x:y' }, 3),
      input: '{"run":{"dag_id":"etl","run_id":"manual__x:y"}}',
    });
  });

  it('stops and describes executions; an unknown execution is not an error', async () => {
    sfn.on(StopExecutionCommand).rejectsOnce(awsError('ExecutionDoesNotExist')).resolves({ stopDate: new Date() });
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:gone' }).rejects(awsError('ExecutionDoesNotExist'));
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:e' }).resolves({ status: 'FAILED', error: 'States.Runtime', cause: 'boom', startDate: new Date(0), stopDate: new Date(1000) } as never);
    const executions = new SfnExecutions(new SFNClient({}), noWait);
    await executions.stop('arn:gone', 'Skydag.RunStopped', 'marked failed');
    await executions.stop('arn:e', 'Skydag.RunStopped', 'marked failed');
    expect(sfn.commandCalls(StopExecutionCommand)[1]!.args[0].input).toEqual({ executionArn: 'arn:e', error: 'Skydag.RunStopped', cause: 'marked failed' });
    expect(await executions.describe('arn:gone')).toBeUndefined();
    expect(await executions.describe('arn:e')).toEqual({ status: 'FAILED', error: 'States.Runtime', cause: 'boom', startDate: new Date(0), stopDate: new Date(1000) });
  });
});

describe('deploying a DAG version', () => {
  const deployment = { name: 'skydag-etl', definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } }, roleArn: 'arn:role', versionDescription: 'etl@abc', alias: 'live' };
  const prefix = 'arn:aws:states:eu-west-1:1:stateMachine:';

  it('creates the machine with a published version and an alias the first time', async () => {
    sfn.on(CreateStateMachineCommand).resolves({ stateMachineArn: `${prefix}skydag-etl`, stateMachineVersionArn: `${prefix}skydag-etl:1`, creationDate: new Date() });
    sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [] });
    sfn.on(CreateStateMachineAliasCommand).resolves({ stateMachineAliasArn: `${prefix}skydag-etl:live`, creationDate: new Date() });
    expect(await deployStateMachine(new SFNClient({}), deployment, prefix)).toEqual({ stateMachineArn: `${prefix}skydag-etl`, versionArn: `${prefix}skydag-etl:1`, aliasArn: `${prefix}skydag-etl:live` });
    expect(sfn.commandCalls(CreateStateMachineCommand)[0]!.args[0].input).toEqual({ name: 'skydag-etl', definition: JSON.stringify(deployment.definition), roleArn: 'arn:role', type: 'STANDARD', publish: true, versionDescription: 'etl@abc' });
    expect(sfn.commandCalls(CreateStateMachineAliasCommand)[0]!.args[0].input).toEqual({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: `${prefix}skydag-etl:1`, weight: 100 }] });
  });

  it('updates an existing machine, publishes a new version and moves the alias to it', async () => {
    sfn.on(CreateStateMachineCommand).rejects(awsError('StateMachineAlreadyExists'));
    sfn.on(UpdateStateMachineCommand).resolves({ updateDate: new Date() });
    sfn.on(PublishStateMachineVersionCommand).resolves({ stateMachineVersionArn: `${prefix}skydag-etl:2`, creationDate: new Date() });
    sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [{ stateMachineAliasArn: `${prefix}skydag-etl:live`, creationDate: new Date() }] });
    sfn.on(UpdateStateMachineAliasCommand).resolves({ updateDate: new Date() });
    const out = await deployStateMachine(new SFNClient({}), deployment, prefix);
    expect(out.versionArn).toBe(`${prefix}skydag-etl:2`);
    expect(sfn.commandCalls(UpdateStateMachineCommand)[0]!.args[0].input).toEqual({ stateMachineArn: `${prefix}skydag-etl`, definition: JSON.stringify(deployment.definition), roleArn: 'arn:role' });
    expect(sfn.commandCalls(PublishStateMachineVersionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: `${prefix}skydag-etl`, description: 'etl@abc' });
    expect(sfn.commandCalls(UpdateStateMachineAliasCommand)[0]!.args[0].input).toEqual({ stateMachineAliasArn: `${prefix}skydag-etl:live`, routingConfiguration: [{ stateMachineVersionArn: `${prefix}skydag-etl:2`, weight: 100 }] });
    expect(sfn.commandCalls(CreateStateMachineAliasCommand)).toHaveLength(0);
  });
});
