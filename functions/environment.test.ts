/** The environment contract: every entry's variables, one error naming each missing or malformed one. */
import { Placeholder } from '../shared/compiler/resources.js';
import { CLOUD_ENTRIES, CLOUD_VARIABLES, CloudEnv, CloudEnvironmentError, readCloudEnvironment, variablesFor } from './environment.js';

const ACCOUNT = '123456789012';
const completeEnvironment: Record<string, string> = {
  [CloudEnv.TABLE_NAME]: 'skydag',
  [CloudEnv.DAGS_BUCKET]: 'skydag-dags',
  [CloudEnv.ARTIFACTS_BUCKET]: 'skydag-artifacts',
  [CloudEnv.LOGS_BUCKET]: 'skydag-logs',
  [CloudEnv.KMS_KEY_ARN]: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/k`,
  [CloudEnv.STATE_MACHINE_ARN_PREFIX]: `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:`,
  [CloudEnv.STATE_MACHINE_ROLE_ARN]: `arn:aws:iam::${ACCOUNT}:role/machines`,
  [CloudEnv.SCHEDULER_GROUP]: 'skydag',
  [CloudEnv.SCHEDULER_ROLE_ARN]: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
  [CloudEnv.SCHEDULER_FUNCTION_ARN]: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:scheduler`,
  [CloudEnv.SENSOR_POKER_FUNCTION_ARN]: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:sensor-poker`,
  [CloudEnv.CONTROL_FUNCTION_ARN]: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:control`,
  [CloudEnv.RUNNER_FUNCTION_ARN]: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:runner`,
  [CloudEnv.TASK_CLUSTER_ARN]: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/skydag`,
  [CloudEnv.TASK_DEFINITION_ARN]: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/runner:1`,
  [CloudEnv.TASK_SUBNETS]: 'subnet-a, subnet-b',
  [CloudEnv.TASK_SECURITY_GROUP]: 'sg-1',
};

describe('the cloud environment contract', () => {
  it('reads every entry from a complete environment, defaults filled in', () => {
    for (const entry of CLOUD_ENTRIES) expect(readCloudEnvironment(entry, completeEnvironment).tableName).toBe('skydag');
    const control = readCloudEnvironment('control', completeEnvironment);
    expect(control).toMatchObject({ logsBucket: 'skydag-logs', masterKeyObject: 'secrets/master.key', stateMachineAlias: 'live', bundleRoot: '/tmp/skydag-bundles', s3ForcePathStyle: false });
    expect(readCloudEnvironment('deployer', completeEnvironment).scheduler?.schedulerFunctionArn).toMatch(/function:scheduler$/);
    // What the control function does not read is not there (the stack does not set it either).
    expect(control.dagsBucket).toBeUndefined();
    expect(control.substitutions).toBeUndefined();
    expect(control.scheduler).toBeUndefined();
    // Token waits' one-shots: for the runner, the poker and the reconciler, when a poker is deployed.
    for (const entry of ['runner', 'sensor-poker', 'reconciler'] as const) expect(readCloudEnvironment(entry, completeEnvironment).waits).toMatchObject({ pokerFunctionArn: expect.stringMatching(/function:sensor-poker$/) });
    expect(readCloudEnvironment('runner', { ...completeEnvironment, [CloudEnv.SENSOR_POKER_FUNCTION_ARN]: '' }).waits).toBeUndefined();
    expect(control.waits).toBeUndefined();
  });

  it("gives the deployer every placeholder of the compiled ASL", () => {
    const { substitutions } = readCloudEnvironment('deployer', completeEnvironment);
    const names = Object.values(Placeholder).map((p) => p.slice(2, -1));
    expect(Object.keys(substitutions!).sort()).toEqual(names.sort());
    expect(substitutions!.SkydagTaskSubnetB).toBe('subnet-b');
    expect(readCloudEnvironment('deployer', { ...completeEnvironment, [CloudEnv.TASK_SUBNETS]: 'subnet-a' }).substitutions!.SkydagTaskSubnetB).toBe('subnet-a');
  });

  it('names every missing and malformed variable at once, without echoing values', () => {
    const env = { ...completeEnvironment, [CloudEnv.LOGS_BUCKET]: 'Not A Bucket', [CloudEnv.KMS_KEY_ARN]: 'key-1' } as Record<string, string | undefined>;
    delete env[CloudEnv.TABLE_NAME];
    let error: unknown;
    try {
      readCloudEnvironment('runner', env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CloudEnvironmentError);
    const message = (error as Error).message;
    expect(message).toContain('SKYDAG_TABLE_NAME is not set');
    expect(message).toContain('SKYDAG_LOGS_BUCKET must be an S3 bucket name');
    expect(message).toContain('SKYDAG_KMS_KEY_ARN must be an ARN');
    expect(message).not.toContain('Not A Bucket');
  });

  it('gives the API its sign-in provider, and names a malformed one', () => {
    expect(readCloudEnvironment('api', completeEnvironment)).toMatchObject({ passwordLogin: true });
    expect(readCloudEnvironment('api', completeEnvironment).oidc).toBeUndefined();
    const pool = { [CloudEnv.OIDC_ISSUER]: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', [CloudEnv.OIDC_CLIENT_ID]: 'console', [CloudEnv.PASSWORD_LOGIN]: 'false' };
    expect(readCloudEnvironment('api', { ...completeEnvironment, ...pool })).toMatchObject({ passwordLogin: false, oidc: { issuer: pool[CloudEnv.OIDC_ISSUER], clientIds: ['console'], groupsClaim: 'cognito:groups' } });
    expect(() => readCloudEnvironment('api', { ...completeEnvironment, [CloudEnv.OIDC_ISSUER]: 'https://issuer.example' })).toThrow(/SKYDAG_OIDC_CLIENT_ID is required/);
  });

  it('asks each entry only for what it reads', () => {
    expect(() => readCloudEnvironment('api', { ...completeEnvironment, [CloudEnv.TASK_SUBNETS]: '' })).not.toThrow();
    expect(() => readCloudEnvironment('deployer', { ...completeEnvironment, [CloudEnv.TASK_SUBNETS]: '' })).toThrow(/SKYDAG_TASK_SUBNETS is not set/);
    expect(variablesFor('runner').map((v) => v.name)).not.toContain(CloudEnv.DAGS_BUCKET);
    for (const spec of CLOUD_VARIABLES) expect(spec.usedBy.length).toBeGreaterThan(0);
  });
});
