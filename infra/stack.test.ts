/**
 * The CDK app synthesised in process, once for the file, with no AWS credentials and no docker (the
 * docker binary is pointed at nothing: building the runner image at synth would fail the test), and
 * with cdk-nag's AwsSolutions checks, whose unacknowledged findings would fail the synth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { FUNCTION_ENTRIES } from '../scripts/bundle-functions.js';
import { CloudEnv, variablesFor, type CloudEntry } from '../functions/environment.js';
import { metadataTableDefinition, METADATA_TTL_ATTRIBUTE } from '../shared/stores/dynamodb/table.js';
import { buildApp } from './build-app.js';
import { FUNCTION_DEPLOYMENTS } from './functions.js';
import { ROUTES } from '../shared/api/routes/index.js';
import { CONSOLE_CALLBACK_PATH, contractEnvironment, signInEnvironment } from './stack.js';
import { addNagChecks } from './nag.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

let dir: string;
let template: Template;
let resources: Record<string, Resource>;
let assets: { dockerImages?: Record<string, unknown> };
const saved = { ...process.env };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skydag-synth-'));
  const consoleDir = mkdtempSync(join(dir, 'web-'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>skydag</title>');
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_') || key.startsWith('CDK_DEFAULT')) delete process.env[key];
  process.env.CDK_DOCKER = join(dir, 'no-docker-here');
  // As the CLI without credentials: a region, no account.
  process.env.CDK_DEFAULT_REGION = 'eu-west-1';
  const { app, stack } = await buildApp({ bundleDir: join(dir, 'functions'), consoleDir, outdir: join(dir, 'cdk.out') });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  template = Template.fromJSON(artifact.template as Record<string, unknown>);
  resources = (artifact.template as { Resources: Record<string, Resource> }).Resources;
  assets = JSON.parse(readFileSync(join(dir, 'cdk.out', `${stack.stackName}.assets.json`), 'utf8'));
}, 180_000);

afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const lambdaNamed = (name: string) => ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === `skydag-${name}`);
const statementsOf = (predicate: (id: string) => boolean): Statement[] =>
  ofType('AWS::IAM::Policy')
    .filter(([id]) => predicate(id))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

describe('synth', () => {
  it('builds the runner image only at deploy: the image is an asset to build, synth never ran docker', () => {
    expect(Object.keys(assets.dockerImages ?? {})).toHaveLength(1);
  });

  it('deploys every entry scripts/bundle-functions.ts bundles', () => {
    for (const name of Object.keys(FUNCTION_ENTRIES)) {
      const deployment = FUNCTION_DEPLOYMENTS[name]!;
      if (deployment.package === 'fargate-container') {
        template.hasResourceProperties('AWS::ECS::TaskDefinition', { ContainerDefinitions: Match.arrayWith([Match.objectLike({ Name: 'skydag-runner', EntryPoint: ['node', `/var/task/${name}.mjs`] })]) });
        continue;
      }
      const found = lambdaNamed(name);
      expect(found).toBeDefined();
      const props = found![1].Properties;
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      if (deployment.package === 'zip') expect(props).toMatchObject({ Runtime: 'nodejs22.x', Handler: `${name}.handler` });
      else expect(props.PackageType).toBe('Image');
    }
  });

  it("deploys the functions that run a DAG file's Python (callbacks, sla_miss_callback, python_callable) as the runner image", () => {
    for (const name of ['control', 'scheduler', 'reconciler', 'execution-status', 'runner', 'sensor-poker']) {
      expect(lambdaNamed(name)![1].Properties.PackageType).toBe('Image');
    }
  });

  it('fails the synth for a bundled entry that has no deployment', async () => {
    const { deploymentsOf } = await import('./functions.js');
    expect(() => deploymentsOf({ ...FUNCTION_ENTRIES, 'new-thing': 'functions/new-thing.ts' })).toThrow(/'new-thing'.*FUNCTION_DEPLOYMENTS/);
  });

  it('creates the metadata table its definition in code describes, with PITR, TTL and KMS', () => {
    const definition = metadataTableDefinition('x');
    const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
    const p = table.Properties as Record<string, unknown>;
    const sortBy = <T extends { AttributeName?: string }>(xs: T[]) => [...xs].sort((a, b) => a.AttributeName!.localeCompare(b.AttributeName!));
    expect(sortBy(p.AttributeDefinitions as { AttributeName: string }[])).toEqual(sortBy(definition.AttributeDefinitions!));
    expect(p.KeySchema).toEqual(definition.KeySchema);
    expect(p.BillingMode).toBe(definition.BillingMode);
    expect(p.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: METADATA_TTL_ATTRIBUTE, Enabled: true });
    expect(p.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
  });

  it('encrypts every bucket, blocks public access, refuses plain HTTP; DAG files are versioned', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.length).toBe(5);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const policy = ofType('AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }));
      expect(JSON.stringify(policy?.[1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
    template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
    expect(ofType('AWS::KMS::Key')[0]![1].Properties.EnableKeyRotation).toBe(true);
  });

  it("expires EDA credentials objects a day after they were written; without Spark job roles nobody else may read them", () => {
    const [, data] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('StorageData'))!;
    expect((data.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual([
      { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Id: 'eda-credentials', Prefix: 'eda/credentials/', ExpirationInDays: 1, Status: 'Enabled' },
    ]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/SparkJobs(Read|Decrypt)EdaCredentials/);
  });

  it('gives every log group a retention', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(Object.keys(FUNCTION_ENTRIES).length);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });

  it('scopes IAM: no action or resource wildcard except actions that take no resource, PassRole only for named roles', () => {
    const all = statementsOf(() => true);
    expect(all.length).toBeGreaterThan(20);
    // cloudfront:*Invalidation: CDK's console upload (BucketDeployment) grants them on *.
    const NO_RESOURCE_LEVEL = /^(logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:PutResourcePolicy|logs:DescribeResourcePolicies|logs:DescribeLogGroups|xray:.*|ecs:StopTask|ecs:DescribeTasks|ec2:.*NetworkInterface.*|ecr:GetAuthorizationToken|cloudfront:(Create|Get)Invalidation)$/;
    for (const s of all) {
      for (const a of actions(s)) expect(a).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if (resourcesOf(s).includes('*')) for (const a of actions(s)) expect(a).toMatch(NO_RESOURCE_LEVEL);
      if (actions(s).includes('iam:PassRole')) expect(resourcesOf(s)).not.toContain('*');
    }
    const stopTasks = all.find((s) => actions(s).includes('ecs:StopTask'));
    expect(stopTasks?.Condition).toBeDefined();
  });

  it('lets only the deployer create state machines, only skydag-* ones, and pass only the state machine and Scheduler roles', () => {
    const creating = statementsOf(() => true).filter((s) => actions(s).includes('states:CreateStateMachine'));
    expect(creating).toHaveLength(1);
    expect(JSON.stringify(resourcesOf(creating[0]!))).toContain(':stateMachine:skydag-*');
    const deployerPolicy = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('DeployerFunction'))![1];
    expect(JSON.stringify(deployerPolicy.Properties.PolicyDocument)).toContain('states:CreateStateMachine');
    // It starts the runs the API asked for before their DAG file was deployed (shared/deploy/pending-runs.ts).
    const starting = statementsOf((id) => id.startsWith('DeployerFunction')).filter((s) => actions(s).includes('states:StartExecution'));
    expect(JSON.stringify(starting.flatMap((s) => resourcesOf(s)))).toContain(':stateMachine:skydag-*');
    const passRoles = statementsOf((id) => id.startsWith('DeployerFunction')).filter((s) => actions(s).includes('iam:PassRole'));
    expect(passRoles.flatMap((s) => resourcesOf(s)).map((r) => (r as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual([expect.stringMatching(/^SchedulerRole/), expect.stringMatching(/^StateMachineRole/)]);
  });

  it('scopes Spark permissions to the configured EMR clusters and roles (none configured: none granted)', () => {
    const spark = statementsOf(() => true).filter((s) => actions(s).some((a) => a.startsWith('elasticmapreduce:') || a.startsWith('emr-serverless:')));
    expect(spark).toEqual([]);
  });

  it('runs git pulls in the runner image (it has git) every minute, writing only the DAGs prefix; only the API may invoke it', () => {
    const [id, gitPull] = lambdaNamed('git-pull')!;
    expect(gitPull.Properties).toMatchObject({ PackageType: 'Image', ImageConfig: { Command: ['git-pull.handler'] } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })] });
    const own = statementsOf((policy) => policy.startsWith('GitPullFunction'));
    expect(own.flatMap(actions).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    const invoking = statementsOf(() => true).filter((s) => actions(s).includes('lambda:InvokeFunction') && JSON.stringify(resourcesOf(s)).includes(':function:skydag-git-pull'));
    expect(invoking).toHaveLength(1);
    const apiPolicy = ofType('AWS::IAM::Policy').find(([pid]) => pid.startsWith('ApiFunction'))![1];
    expect(JSON.stringify(apiPolicy.Properties.PolicyDocument)).toContain(':function:skydag-git-pull');
    const variables = (lambdaNamed('api')![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables[CloudEnv.GIT_PULL_FUNCTION_ARN])).toContain(':function:skydag-git-pull');
  });

  it('lets the API ask custom timetables through the scheduler function (the runner image has Python), and nothing else invoke it that way', () => {
    const variables = (lambdaNamed('api')![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables[CloudEnv.TIMETABLE_FUNCTION_ARN])).toContain(':function:skydag-scheduler');
    const apiPolicy = ofType('AWS::IAM::Policy').find(([pid]) => pid.startsWith('ApiFunction'))![1];
    expect(JSON.stringify(apiPolicy.Properties.PolicyDocument)).toContain(':function:skydag-scheduler');
    const invokers = ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties.PolicyDocument).includes(':function:skydag-scheduler')).map(([pid]) => pid);
    expect(invokers.every((pid) => pid.startsWith('ApiFunction'))).toBe(true);
  });

  it('deploys the sensor-poker in the runner image, invoked by the Scheduler role only; it, the runner and the reconciler create one-shots in the group and pass only the Scheduler role', () => {
    const [pokerId, poker] = lambdaNamed('sensor-poker')!;
    expect(poker.Properties).toMatchObject({ PackageType: 'Image', ImageConfig: { Command: ['sensor-poker.handler'] }, Timeout: 900 });
    // grantInvoke to a role of this stack is a statement of the role's own policy.
    const invoking = statementsOf(() => true).filter((s) => actions(s).includes('lambda:InvokeFunction') && JSON.stringify(resourcesOf(s)).includes(pokerId));
    expect(invoking.length).toBeGreaterThan(0);
    const invokers = ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties.PolicyDocument).includes(pokerId) && JSON.stringify(r.Properties.PolicyDocument).includes('lambda:InvokeFunction'));
    expect(invokers.map(([id]) => id)).toEqual([expect.stringMatching(/^SchedulerRole/)]);
    for (const entry of ['SensorPokerFunction', 'RunnerFunction', 'ReconcilerFunction']) {
      const own = statementsOf((id) => id.startsWith(entry));
      const scheduling = own.filter((s) => actions(s).some((a) => a.startsWith('scheduler:')));
      expect({ entry, actions: scheduling.flatMap(actions).sort() }).toEqual({ entry, actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] });
      expect(JSON.stringify(scheduling.flatMap(resourcesOf))).toContain(':schedule/skydag/*');
      const passRoles = own.filter((s) => actions(s).includes('iam:PassRole')).flatMap(resourcesOf);
      expect({ entry, passRoles: passRoles.map((r) => (r as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]) }).toEqual({ entry, passRoles: [expect.stringMatching(/^SchedulerRole/)] });
      expect(own.flatMap(actions)).toEqual(expect.arrayContaining(['states:SendTaskHeartbeat', 'states:SendTaskSuccess', 'states:SendTaskFailure']));
    }
    const variables = (poker.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables[CloudEnv.SENSOR_POKER_FUNCTION_ARN])).toContain(':function:skydag-sensor-poker');
  });

  it('wires the deployer to the DAGs prefix, one at a time, with a dead-letter queue', () => {
    const [, deployer] = lambdaNamed('deployer')!;
    expect(deployer.Properties.ReservedConcurrentExecutions).toBe(1);
    expect(deployer.Properties.DeadLetterConfig).toBeDefined();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { LambdaFunctionConfigurations: Match.arrayWith([Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'dags/' }] } } })]) },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { LambdaFunctionConfigurations: Match.arrayWith([Match.objectLike({ Events: ['s3:ObjectRemoved:*'] })]) },
    });
  });

  it('sets on every function and the Fargate task exactly the variables of the environment contract it reads', () => {
    for (const name of Object.keys(FUNCTION_ENTRIES)) {
      const specs = variablesFor(name as CloudEntry);
      let variables: string[];
      if (FUNCTION_DEPLOYMENTS[name]!.package === 'fargate-container') {
        const [, task] = ofType('AWS::ECS::TaskDefinition')[0]!;
        const container = (task.Properties.ContainerDefinitions as { Environment: { Name: string }[] }[])[0]!;
        variables = container.Environment.map((e) => e.Name);
      } else variables = Object.keys((lambdaNamed(name)![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables);
      // The API also gets its sign-in provider (the user pool), which shared/api/auth/oidc.ts reads.
      const allowed = [...specs.map((s) => s.name), ...(name === 'api' ? Object.keys(signInEnvironment('i', 'c', 'h')) : [])];
      for (const v of variables) expect(allowed).toContain(v);
      for (const spec of specs.filter((s) => s.default === undefined)) expect(variables).toContain(spec.name);
    }
  });

  it("fills the compiled ASL's placeholders: the deployer gets the function, cluster, task definition, subnets and security group", () => {
    const variables = (lambdaNamed('deployer')![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const name of [CloudEnv.CONTROL_FUNCTION_ARN, CloudEnv.RUNNER_FUNCTION_ARN, CloudEnv.TASK_CLUSTER_ARN, CloudEnv.TASK_DEFINITION_ARN, CloudEnv.TASK_SUBNETS, CloudEnv.TASK_SECURITY_GROUP]) expect(variables[name]).toBeDefined();
    expect(JSON.stringify(variables[CloudEnv.CONTROL_FUNCTION_ARN])).toContain(':function:skydag-control');
  });

  it('refuses to synth a function missing a required contract variable', () => {
    expect(() => contractEnvironment('deployer', {})).toThrow(/no value for SKYDAG_TABLE_NAME, which deployer needs/);
    expect(() => contractEnvironment('not-an-entry', {})).toThrow(/not an entry of the cloud environment contract/);
  });

  it('puts the API behind a Cognito JWT authorizer', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/{proxy+}', AuthorizationType: 'JWT' });
    // The public routes are reachable without a token (the handler decides), every other one only with one.
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey).sort();
    expect(open).toEqual(ROUTES.filter((r) => r.access.public).map((r) => `${r.method} ${r.path}`).sort());
    expect(open).toContain('POST /api/v1/auth/oidc/token');
    const variables = (lambdaNamed('api')![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(variables.SKYDAG_OIDC_ISSUER)).toContain('https://cognito-idp.');
    expect(variables.SKYDAG_OIDC_CLIENT_ID).toEqual({ Ref: expect.stringMatching(/^ConsoleClient/) });
    template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true }, MfaConfiguration: 'ON' });
    for (const role of ['Viewer', 'User', 'Op', 'Admin']) template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    const callback = /CALLBACK_PATH = '([^']+)'/.exec(readFileSync(join(__dirname, '..', 'web', 'src', 'lib', 'pkce.ts'), 'utf8'))![1];
    expect(CONSOLE_CALLBACK_PATH).toBe(callback);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { AllowedOAuthFlows: ['code'], GenerateSecret: false, CallbackURLs: [{ 'Fn::Join': ['', ['https://', Match.anyValue(), callback]] }] });
  });

  it('serves the console through CloudFront with Origin Access Control and security headers', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          // connect-src: the console itself, and the data bucket for presigned EDA report links.
          ContentSecurityPolicy: { ContentSecurityPolicy: { 'Fn::Join': ['', [Match.stringLikeRegexp("default-src 'self'.*connect-src 'self' https://$"), { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageData'), 'RegionalDomainName'] }, Match.stringLikeRegexp("^; object-src 'none'")]] }, Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
    // The data bucket answers the console's reads of presigned EDA links (GET only; the signature is the permission).
    expect(ofType('AWS::S3::Bucket').filter(([, r]) => (r.Properties as { CorsConfiguration?: unknown }).CorsConfiguration).map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), (r.Properties as { CorsConfiguration: unknown }).CorsConfiguration])).toEqual([
      ['StorageData', { CorsRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'], MaxAge: 3600 }] }],
    ]);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' })], DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }) }),
    });
  });

  it("without a custom domain: CloudFront's own name and certificate, no DNS records, Cognito returns to the distribution's name", () => {
    const config = (ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig as Record<string, unknown>);
    expect(config.Aliases).toBeUndefined();
    expect(config.ViewerCertificate).toBeUndefined();
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasOutput('ConsoleUrl', { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Console'), 'DomainName'] }]] } });
  });

  it('without a mail sender: no SES permission, no sender variable, an empty requirements file for the runner image', () => {
    expect(statementsOf(() => true).filter((s) => actions(s).some((a) => a.startsWith('ses:')))).toEqual([]);
    for (const name of ['control', 'runner']) expect(Object.keys((lambdaNamed(name)![1].Properties.Environment as { Variables: Record<string, unknown> }).Variables)).not.toContain(CloudEnv.MAIL_FROM);
    expect(readFileSync(join(dir, 'functions', 'requirements.txt'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'functions', 'Dockerfile'), 'utf8')).toMatch(/COPY requirements.txt .*\nRUN if \[ -s .* \]; then python3 -m pip install --no-cache-dir -r /);
  });

  it('alarms on failed runs, dead letters, function errors and throttles, and table throttling', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: Match.stringLikeRegexp('ExecutionFailed') });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.every((a) => Array.isArray(a.AlarmActions) && (a.AlarmActions as unknown[]).length === 1)).toBe(true);
    expect(alarms.filter((a) => a.MetricName === 'FailedExecutions')).toHaveLength(1);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible').length).toBeGreaterThanOrEqual(1);
    const lambdas = ofType('AWS::Lambda::Function').filter(([, r]) => typeof r.Properties.FunctionName === 'string').length;
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(lambdas);
    expect(alarms.filter((a) => a.MetricName === 'Throttles').length).toBeGreaterThan(0);
    expect(alarms.filter((a) => JSON.stringify(a.Metrics ?? '').includes('WriteThrottleEvents'))).toHaveLength(1);
  });
});

describe('cdk-nag', () => {
  it('fails the synth on a finding nobody acknowledged', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'skydag-nag-')) });
    const stack = new Stack(app, 'Bare');
    new Bucket(stack, 'Plain');
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1\b/);
  });
});
