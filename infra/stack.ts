/**
 * The skydag stack: everything one `cdk deploy` creates. State machines are not part of it: the DAG
 * deployer creates one per DAG (and part) when a DAG file lands in the DAGs bucket, named
 * `skydag-<dag>` (shared/compiler machineName), so IAM here is scoped to that name pattern.
 *
 * Cross-references between functions (the deployer names the control function, the control function
 * the sensor poker, …) use ARNs built from the functions' fixed names rather than tokens of the
 * functions themselves, so no two resources depend on each other.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AccountRecovery, CfnUserPoolDomain, CfnUserPoolGroup, Mfa, OAuthScope, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AmazonLinuxCpuType, CfnInstance, FlowLogDestination, FlowLogTrafficType, GatewayVpcEndpointAwsService, InstanceClass, InstanceSize, InstanceType, IpAddresses, MachineImage, NatProvider, NatTrafficDirection, Peer, Port, SecurityGroup, Subnet, SubnetType, Vpc, type ISubnet, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Cluster, ContainerImage, ContainerInsights, CpuArchitecture, FargateTaskDefinition, LogDrivers, OperatingSystemFamily } from 'aws-cdk-lib/aws-ecs';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ArnPrincipal, PolicyStatement, Role, ServicePrincipal, type IGrantable, type IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, DockerImageCode, DockerImageFunction, Function as LambdaFn, Runtime, Tracing, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { S3EventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { FUNCTION_ENTRIES, functionFiles } from '../scripts/bundle-functions.js';
import { CLOUD_ENTRIES, CloudEnv, PARSE_ENV_ENTRIES, variablesFor, type CloudEntry } from '../functions/environment.js';
import { ROUTES } from '../shared/api/routes/index.js';
import { RUNNER_CONTAINER } from '../shared/compiler/resources.js';
import { ROLES } from '../shared/api/auth/permissions.js';
import { consoleCsp } from '../local/http/static-site.js';
import { Alarms } from './alarms.js';
import type { SkydagContext } from './context.js';
import { ASYNC_TRIGGERS, deploymentsOf, type Capability, type FunctionDeployment } from './functions.js';
import { DAGS_PREFIX, EDA_CREDENTIALS_PREFIX, Storage } from './storage.js';
import { acknowledgeNagFindings } from './nag.js';

/** Name prefix of the state machines the deployer creates (shared/compiler/compile.ts machineName). */
export const STATE_MACHINE_NAME_PREFIX = 'skydag-';
/** The alias every DAG's main state machine has; new runs start through it. */
export const LIVE_ALIAS = 'live';
/** The address range of the VPC the stack creates when no `vpcId` is given. */
const VPC_CIDR = '10.0.0.0/16';

export interface SkydagStackProps extends StackProps {
  context: SkydagContext;
  /** Output folder of scripts/bundle-functions.ts (the Lambda bundles, the Python shim, the runner image's Dockerfile). */
  bundleDir: string;
  /** The built web console (web/dist); absent: the console bucket is left empty. */
  consoleDir?: string;
}

export class SkydagStack extends Stack {
  readonly storage: Storage;
  readonly functions = new Map<string, IFunction>();
  readonly deadLetterQueues = new Map<string, Queue>();

  constructor(scope: Construct, id: string, props: SkydagStackProps) {
    super(scope, id, props);
    const { context: ctx } = props;
    const retention = ctx.logRetentionDays as RetentionDays;
    const storage = (this.storage = new Storage(this, 'Storage'));
    const functionName = (name: string) => `${ctx.prefix}-${name}`;
    const functionArn = (name: string) => this.formatArn({ service: 'lambda', resource: 'function', resourceName: functionName(name), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const machineArns = [
      this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: `${STATE_MACHINE_NAME_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ];
    const executionArns = [this.formatArn({ service: 'states', resource: 'execution', resourceName: `${STATE_MACHINE_NAME_PREFIX}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })];
    const deployments = deploymentsOf(FUNCTION_ENTRIES);
    this.grantSparkJobs(ctx, storage);

    // ---- network for long tasks on Fargate (and Livy): private subnets, egress through a NAT instance
    const { vpc, subnets } = this.network(ctx, storage);
    const taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', { vpc, description: 'skydag Fargate tasks: no inbound', allowAllOutbound: true });

    // ---- the runner image (python3 + the airflow shim): built by `cdk deploy`, never by synth
    // One image for the runner Lambda and its Fargate entry; DockerImageAsset only fingerprints the folder at synth.
    const runnerImage = new DockerImageAsset(this, 'RunnerImage', { directory: props.bundleDir, platform: Platform.LINUX_ARM64, file: 'Dockerfile' });

    // ---- logs and the state machines' role
    const machineLogs = new LogGroup(this, 'StateMachineLogs', { logGroupName: `/aws/vendedlogs/states/${ctx.prefix}`, retention });
    const machineRole = new Role(this, 'StateMachineRole', { assumedBy: new ServicePrincipal('states.amazonaws.com'), description: 'skydag state machines (deployed per DAG by the deployer)' });

    // ---- EventBridge Scheduler: one group per stack, one role that invokes the functions schedules target
    const scheduleGroup = new CfnScheduleGroup(this, 'ScheduleGroup', { name: ctx.prefix });
    const schedulerRole = new Role(this, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com'), description: 'skydag schedules: invoke the scheduler pass and the sensor poker' });

    // ---- ECS for tries longer than Lambda allows
    const cluster = new Cluster(this, 'TaskCluster', { vpc, enableFargateCapacityProviders: true, containerInsightsV2: ContainerInsights.ENABLED });
    const taskDefinition = new FargateTaskDefinition(this, 'RunnerTask', {
      cpu: 1024,
      memoryLimitMiB: deployments.find(([n]) => n === 'runner-task')?.[1].memoryMb ?? 2048,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    const taskLogs = new LogGroup(this, 'RunnerTaskLogs', { retention });

    // The cloud environment contract (functions/environment.ts): each entry gets exactly the variables it reads.
    const values: Readonly<Record<string, string>> = {
      [CloudEnv.TABLE_NAME]: storage.table.tableName,
      [CloudEnv.DAGS_BUCKET]: storage.dags.bucketName,
      [CloudEnv.DAGS_PREFIX]: DAGS_PREFIX,
      [CloudEnv.ARTIFACTS_BUCKET]: storage.data.bucketName,
      [CloudEnv.LOGS_BUCKET]: storage.logs.bucketName,
      [CloudEnv.KMS_KEY_ARN]: storage.key.keyArn,
      [CloudEnv.STATE_MACHINE_ARN_PREFIX]: this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: '', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      [CloudEnv.STATE_MACHINE_ALIAS]: LIVE_ALIAS,
      [CloudEnv.STATE_MACHINE_ROLE_ARN]: machineRole.roleArn,
      [CloudEnv.STATE_MACHINE_LOG_GROUP_ARN]: machineLogs.logGroupArn,
      [CloudEnv.SCHEDULER_GROUP]: ctx.prefix,
      [CloudEnv.SCHEDULER_ROLE_ARN]: schedulerRole.roleArn,
      [CloudEnv.SCHEDULER_FUNCTION_ARN]: functionArn('scheduler'),
      [CloudEnv.SENSOR_POKER_FUNCTION_ARN]: functionArn('sensor-poker'),
      [CloudEnv.GIT_PULL_FUNCTION_ARN]: functionArn('git-pull'),
      // The API asks custom timetables through the scheduler function, which has Python.
      [CloudEnv.TIMETABLE_FUNCTION_ARN]: functionArn('scheduler'),
      // The compiled ASL's placeholders (shared/compiler/resources.ts), filled in by the deployer.
      [CloudEnv.CONTROL_FUNCTION_ARN]: functionArn('control'),
      [CloudEnv.RUNNER_FUNCTION_ARN]: functionArn('runner'),
      [CloudEnv.TASK_CLUSTER_ARN]: cluster.clusterArn,
      [CloudEnv.TASK_DEFINITION_ARN]: taskDefinition.taskDefinitionArn,
      [CloudEnv.TASK_SUBNETS]: Fn.join(',', subnets.map((s) => s.subnetId)),
      [CloudEnv.TASK_SECURITY_GROUP]: taskSecurityGroup.securityGroupId,
      // The parse environment's names; the entries that parse get each of its variables beside it.
      [CloudEnv.PARSE_ENV]: Object.keys(ctx.parseEnvironment).join(','),
      ...(ctx.mailFrom ? { [CloudEnv.MAIL_FROM]: ctx.mailFrom } : {}),
    };
    const environmentFor = (entry: string) => ({ ...contractEnvironment(entry, values), ...((PARSE_ENV_ENTRIES as readonly string[]).includes(entry) ? ctx.parseEnvironment : {}) });

    // ---- the functions, one per bundled entry
    for (const [name, deployment] of deployments) {
      if (deployment.package === 'fargate-container') {
        taskDefinition.addContainer(RUNNER_CONTAINER, {
          image: ContainerImage.fromDockerImageAsset(runnerImage),
          entryPoint: ['node', `/var/task/${name}.mjs`],
          environment: environmentFor(name),
          logging: LogDrivers.awsLogs({ streamPrefix: name, logGroup: taskLogs }),
          readonlyRootFilesystem: false,
        });
        this.grant(taskDefinition.taskRole, deployment.capabilities, { machineArns, executionArns, ctx, schedulerRole, machineRole, functionArn });
        continue;
      }
      const dlq = deployment.triggers.some((t) => ASYNC_TRIGGERS.includes(t))
        ? new Queue(this, `${pascal(name)}DeadLetters`, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) })
        : undefined;
      if (dlq) this.deadLetterQueues.set(name, dlq);
      const common = {
        functionName: functionName(name),
        description: deployment.description,
        architecture: Architecture.ARM_64,
        memorySize: deployment.memoryMb,
        timeout: Duration.seconds(deployment.timeoutSeconds),
        environment: environmentFor(name),
        tracing: Tracing.ACTIVE,
        logGroup: new LogGroup(this, `${pascal(name)}Logs`, { logGroupName: `/aws/lambda/${functionName(name)}`, retention }),
        ...(dlq ? { deadLetterQueue: dlq, retryAttempts: 2 } : {}),
        ...(deployment.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: deployment.reservedConcurrency } : {}),
      };
      const fn =
        deployment.package === 'image'
          ? new DockerImageFunction(this, `${pascal(name)}Function`, { ...common, code: DockerImageCode.fromEcr(runnerImage.repository, { tagOrDigest: runnerImage.imageTag, cmd: [`${name}.handler`] }) })
          : new LambdaFn(this, `${pascal(name)}Function`, {
              ...common,
              runtime: Runtime.NODEJS_22_X,
              handler: `${name}.handler`,
              // The same esbuild bundle `npm run bundle` writes (and the cloud-in-a-box test runs).
              code: Code.fromAsset(props.bundleDir, { exclude: ['*', ...functionFiles(name).map((f) => `!${f}`)] }),
            });
      this.functions.set(name, fn);
      this.grant(fn, deployment.capabilities, { machineArns, executionArns, ctx, schedulerRole, machineRole, functionArn });
    }

    // ---- who invokes what
    for (const [name, deployment] of deployments) {
      const fn = this.functions.get(name);
      if (!fn) continue;
      for (const trigger of deployment.triggers) this.wire(trigger, name, fn, { machineRole, schedulerRole, machineArns, deployment });
    }
    // The state machines run tries on Fargate and pass the task's roles.
    machineRole.addToPolicy(new PolicyStatement({ actions: ['ecs:RunTask'], resources: [taskDefinition.taskDefinitionArn], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }));
    machineRole.addToPolicy(new PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: ['*'], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }));
    machineRole.addToPolicy(new PolicyStatement({ actions: ['iam:PassRole'], resources: [taskDefinition.taskRole.roleArn, taskDefinition.obtainExecutionRole().roleArn] }));
    // Child DAG runs (startExecution.sync:2) and parts: this stack's machines only, and the managed rule .sync uses.
    machineRole.addToPolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [...machineArns, ...machineArns.map((a) => `${a}:*`)] }));
    machineRole.addToPolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: executionArns }));
    const syncRules = ['StepFunctionsGetEventsForStepFunctionsExecutionRule', 'StepFunctionsGetEventsForECSTaskRule', 'StepFunctionsGetEventsForEMRAddJobFlowStepsRule', 'StepFunctionsGetEventsForEMRServerlessJobRule'];
    machineRole.addToPolicy(new PolicyStatement({ actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: syncRules.map((r) => this.formatArn({ service: 'events', resource: 'rule', resourceName: r })) }));
    this.grantSpark(machineRole, ctx);
    // Vended logs and X-Ray: these actions take no resource-level permissions.
    machineRole.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
        resources: ['*'],
      }),
    );

    // ---- HTTP API with a Cognito JWT authorizer (groups = roles; the handler checks each route again)
    const userPool = new UserPool(this, 'Users', {
      userPoolName: ctx.prefix,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      userInvitation: {
        emailSubject: 'Your skydag account',
        emailBody: 'You are invited to skydag. User name: {username}. Temporary password: {####} (you choose your own at the first sign-in, and set up an authenticator app).',
      },
    });
    for (const role of ROLES.filter((r) => r !== 'Public')) new CfnUserPoolGroup(this, `Group${role}`, { userPoolId: userPool.userPoolId, groupName: role, description: `skydag ${role} role` });
    // Hosted sign-in domains are unique per region: the account id keeps the default one ours (L1: the L2 refuses tokens).
    const authDomain = ctx.authDomainPrefix ?? `${ctx.prefix}-${this.account}`;
    new CfnUserPoolDomain(this, 'UsersDomain', { userPoolId: userPool.userPoolId, domain: authDomain });
    const hostedUi = `https://${authDomain}.auth.${this.region}.amazoncognito.com`;

    const api = new HttpApi(this, 'Api', { apiName: ctx.prefix, createDefaultStage: false, description: 'skydag REST API (/api/v1)' });
    const apiAccessLogs = new LogGroup(this, 'ApiAccessLogs', { retention });
    new HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new LogGroupLogDestination(apiAccessLogs) },
    });

    // ---- CloudFront: the console from S3 through Origin Access Control, /api/* to the HTTP API
    const apiDomain = `${api.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        // The console reads EDA summaries through presigned links to the data bucket (CORS: storage.ts).
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp([`https://${storage.data.bucketRegionalDomainName}`]), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, preload: false, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    // Deep links: a page path (no file extension) is the SPA's index.html; /api/* never gets here.
    const spaRoutes = new CloudFrontFunction(this, 'SpaRoutes', {
      code: FunctionCode.fromInline("function handler(event) { var r = event.request; if (!/\\.[A-Za-z0-9]+$/.test(r.uri)) r.uri = '/index.html'; return r; }"),
    });
    const domain = ctx.customDomain;
    const distribution = new Distribution(this, 'Console', {
      comment: `${ctx.prefix} console and API`,
      ...(domain ? { domainNames: [domain.domainName], certificate: Certificate.fromCertificateArn(this, 'DomainCertificate', domain.certificateArn), minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021 } : {}),
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: storage.accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(storage.console),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRoutes, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    if (domain) {
      // The name points at the distribution (IPv4 and IPv6); the certificate is the user's, validated beforehand.
      const zone = HostedZone.fromHostedZoneAttributes(this, 'DomainZone', { hostedZoneId: domain.hostedZoneId, zoneName: domain.hostedZoneName });
      const target = RecordTarget.fromAlias(new CloudFrontTarget(distribution));
      new ARecord(this, 'DomainRecord', { zone, recordName: `${domain.domainName}.`, target });
      new AaaaRecord(this, 'DomainRecordIpv6', { zone, recordName: `${domain.domainName}.`, target });
    }
    const consoleUrl = `https://${domain ? domain.domainName : distribution.distributionDomainName}`;
    const client = new UserPoolClient(this, 'ConsoleClient', {
      userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      // The console's PKCE callback and sign-out return (web/src/lib/pkce.ts CALLBACK_PATH, signOutUrl).
      oAuth: { flows: { authorizationCodeGrant: true }, scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE], callbackUrls: [`${consoleUrl}${CONSOLE_CALLBACK_PATH}`], logoutUrls: [`${consoleUrl}/login`] },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    const issuer = `https://cognito-idp.${this.region}.${this.urlSuffix}/${userPool.userPoolId}`;
    const authorizer = new HttpJwtAuthorizer('Cognito', issuer, { jwtAudience: [client.userPoolClientId] });
    const apiFn = this.functions.get('api');
    const publicRoutes: IConstruct[] = [];
    if (apiFn) {
      const integration = new HttpLambdaIntegration('ApiIntegration', apiFn);
      // Every route needs a Cognito token at the gateway, and the handler checks the route's roles again...
      // With password sign-in (ldapSignIn) the API's own tokens are valid too, which the gateway cannot verify: the handler checks every route alone.
      const gateway = api.addRoutes({ path: '/api/{proxy+}', methods: [HttpMethod.ANY], integration, ...(ctx.ldapSignIn ? {} : { authorizer }) });
      if (ctx.ldapSignIn) publicRoutes.push(...gateway);
      // ...except the API's public routes (health, version, sign-in configuration, code redemption), the more specific match.
      for (const route of ROUTES.filter((r) => r.access.public)) publicRoutes.push(...api.addRoutes({ path: route.path, methods: [route.method as HttpMethod], integration }));
      // The API verifies the same tokens itself (shared/api/auth/oidc.ts), with roles from the groups claim.
      if (apiFn instanceof LambdaFn) for (const [name, value] of Object.entries(signInEnvironment(issuer, client.userPoolClientId, hostedUi, { passwordLogin: ctx.ldapSignIn }))) apiFn.addEnvironment(name, value);
    }
    if (props.consoleDir && existsSync(join(props.consoleDir, 'index.html'))) {
      new BucketDeployment(this, 'ConsoleFiles', { sources: [Source.asset(props.consoleDir)], destinationBucket: storage.console, distribution, distributionPaths: ['/index.html'], memoryLimit: 512 });
    }

    // ---- alarms
    new Alarms(this, 'Alarms', {
      ctx,
      machineLogs,
      functions: this.functions,
      deadLetterQueues: this.deadLetterQueues,
      throttledByDesign: new Set(deployments.filter(([, d]) => d.reservedConcurrency !== undefined).map(([n]) => n)),
      table: storage.table,
      key: storage.key,
    });

    new CfnOutput(this, 'ConsoleUrl', { value: consoleUrl });
    new CfnOutput(this, 'DagsBucketName', { value: storage.dags.bucketName, description: `upload DAG files under s3://<bucket>/${DAGS_PREFIX}` });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'ScheduleGroupName', { value: scheduleGroup.name! });

    // Constructs CDK adds for us: the S3 notification handler and the console upload's function.
    const helpers = this.node.children.filter((c) => c.node.id.startsWith('BucketNotificationsHandler') || c.node.id.startsWith('Custom::CDKBucketDeployment'));
    acknowledgeNagFindings({
      stack: this,
      functionRoles: [
        ...[...this.functions.values()].map((fn) => fn.role!),
        taskDefinition.taskRole,
        taskDefinition.obtainExecutionRole(),
        ...helpers.filter((h) => h.node.id.startsWith('BucketNotificationsHandler')).map((h) => h.node.tryFindChild('Role') ?? h),
      ],
      machineRole,
      schedulerRole,
      buckets: { data: storage.data, logs: storage.logs, dags: storage.dags, console: storage.console },
      consoleUploadRole: helpers.find((h) => h.node.id.startsWith('Custom::CDKBucketDeployment'))?.node.tryFindChild('ServiceRole'),
      table: storage.table,
      functions: [...this.functions.values(), ...helpers],
      distribution,
      customDomain: domain !== undefined,
      userPool,
      natInstance: this.node.findAll().find((c) => c instanceof CfnInstance),
      taskDefinition,
      publicRoutes,
      invokedFunctions: deployments.filter(([, d]) => d.triggers.includes('state-machines') || d.triggers.includes('scheduler')).map(([n]) => this.functions.get(n)).filter((f): f is IFunction => f !== undefined),
    });
  }

  private network(ctx: SkydagContext, storage: Storage): { vpc: IVpc; subnets: ISubnet[] } {
    if (ctx.vpcId && ctx.privateSubnetIds) {
      const subnets = ctx.privateSubnetIds.map((id, i) => Subnet.fromSubnetId(this, `TaskSubnet${i}`, id));
      const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: ctx.vpcId, availabilityZones: subnets.map((_, i) => Fn.select(i, Fn.getAzs())), privateSubnetIds: ctx.privateSubnetIds });
      return { vpc, subnets };
    }
    // A NAT instance (t4g.nano, a few dollars a month) instead of a NAT gateway (~32 USD a month idle).
    const nat = NatProvider.instanceV2({
      instanceType: InstanceType.of(InstanceClass.T4G, InstanceSize.NANO),
      defaultAllowedTraffic: NatTrafficDirection.OUTBOUND_ONLY,
      machineImage: MachineImage.latestAmazonLinux2023({ cpuType: AmazonLinuxCpuType.ARM_64 }),
    });
    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(VPC_CIDR),
      maxAzs: 2,
      natGatewayProvider: nat,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'tasks', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      flowLogs: { rejected: { destination: FlowLogDestination.toS3(storage.accessLogs, 'vpc-flow-logs/'), trafficType: FlowLogTrafficType.REJECT } },
      // S3 and DynamoDB through free gateway endpoints, not the NAT instance.
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 }, DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    // Only the VPC's own subnets reach the internet through it; nothing outside may connect in.
    nat.connections.allowFrom(Peer.ipv4(VPC_CIDR), Port.allTraffic(), 'egress of the private subnets');
    return { vpc, subnets: vpc.privateSubnets.slice(0, 2) };
  }

  private grant(grantee: IGrantable, capabilities: readonly Capability[], scope: { machineArns: string[]; executionArns: string[]; ctx: SkydagContext; schedulerRole: IRole; machineRole: IRole; functionArn: (name: string) => string }): void {
    const { storage } = this;
    const add = (actions: string[], resources: string[]) => grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    for (const capability of capabilities) {
      switch (capability) {
        case 'table':
          storage.table.grantReadWriteData(grantee);
          storage.key.grantEncryptDecrypt(grantee);
          break;
        case 'data':
          storage.data.grantReadWrite(grantee);
          break;
        case 'dags-read':
          storage.dags.grantRead(grantee, `${DAGS_PREFIX}*`);
          break;
        case 'dags-write':
          storage.dags.grantPut(grantee, `${DAGS_PREFIX}*`);
          storage.dags.grantDelete(grantee, `${DAGS_PREFIX}*`);
          break;
        case 'task-logs-read':
          storage.logs.grantRead(grantee);
          break;
        case 'task-logs-write':
          storage.logs.grantReadWrite(grantee);
          break;
        case 'task-tokens':
          add(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], scope.machineArns);
          break;
        case 'executions':
          add(['states:StartExecution'], [...scope.machineArns, ...scope.machineArns.map((a) => `${a}:*`)]);
          add(['states:DescribeExecution', 'states:StopExecution'], scope.executionArns);
          break;
        case 'deploy-machines':
          add(['states:CreateStateMachine', 'states:UpdateStateMachine', 'states:PublishStateMachineVersion', 'states:DescribeStateMachine', 'states:TagResource', 'states:ListStateMachineAliases', 'states:CreateStateMachineAlias', 'states:UpdateStateMachineAlias', 'states:DescribeStateMachineAlias'], [
            ...scope.machineArns,
            ...scope.machineArns.map((a) => `${a}:*`),
          ]);
          add(['iam:PassRole'], [scope.machineRole.roleArn]);
          // Turning on an execution log for a machine: these log-delivery actions take no resource.
          add(['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'], ['*']);
          break;
        case 'schedules':
          add(['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], [this.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${scope.ctx.prefix}/*` })]);
          add(['iam:PassRole'], [scope.schedulerRole.roleArn]);
          break;
        case 'one-shots':
          add(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], [this.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${scope.ctx.prefix}/*` })]);
          add(['iam:PassRole'], [scope.schedulerRole.roleArn]);
          break;
        case 'spark':
          this.grantSpark(grantee, scope.ctx);
          break;
        case 'git-pull':
          add(['lambda:InvokeFunction'], [scope.functionArn('git-pull')]);
          break;
        case 'timetables':
          add(['lambda:InvokeFunction'], [scope.functionArn('scheduler')]);
          break;
        case 'mail':
          // SESv2 SendEmail (raw messages too) from the configured identity, and from no other.
          if (scope.ctx.mailIdentity) add(['ses:SendEmail'], [this.formatArn({ service: 'ses', resource: 'identity', resourceName: scope.ctx.mailIdentity })]);
          break;
      }
    }
  }

  /**
   * The Spark job roles (not this stack's: named by ARN) may get and delete the EDA credentials objects
   * and decrypt them — through the bucket's and the key's policies, so their own policies stay as they
   * are. The key's grant holds only for S3 objects under the prefix (its encryption context is the
   * object's ARN), so the roles cannot decrypt the table or the master key object with it.
   */
  private grantSparkJobs(ctx: SkydagContext, storage: Storage): void {
    if (ctx.sparkJobRoleArns.length === 0) return;
    const principals = ctx.sparkJobRoleArns.map((arn) => new ArnPrincipal(arn));
    const objects = storage.data.arnForObjects(`${EDA_CREDENTIALS_PREFIX}*`);
    storage.data.addToResourcePolicy(new PolicyStatement({ sid: 'SparkJobsReadEdaCredentials', principals, actions: ['s3:GetObject', 's3:DeleteObject'], resources: [objects] }));
    storage.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SparkJobsDecryptEdaCredentials',
        principals,
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': objects } },
      }),
    );
  }

  /** EMR steps on the configured clusters, EMR Serverless job runs on the configured apps, PassRole for the named roles only. */
  private grantSpark(grantee: IGrantable, ctx: SkydagContext): void {
    const add = (actions: string[], resources: string[]) => {
      if (resources.length > 0) grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    };
    add(['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:DescribeStep', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster'], ctx.emrClusterIds.map((id) => this.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: id })));
    add(['emr-serverless:StartJobRun', 'emr-serverless:GetJobRun', 'emr-serverless:CancelJobRun'], ctx.emrServerlessApplicationIds.flatMap((id) => [
      this.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      this.formatArn({ service: 'emr-serverless', resource: '/applications', resourceName: `${id}/jobruns/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    ]));
    add(['iam:PassRole'], ctx.passRoleArns);
  }

  private wire(trigger: FunctionDeployment['triggers'][number], name: string, fn: IFunction, scope: { machineRole: Role; schedulerRole: Role; machineArns: string[]; deployment: FunctionDeployment }): void {
    switch (trigger) {
      case 'http-api':
        return; // the API's route integration grants API Gateway the invoke
      case 'state-machines':
        fn.grantInvoke(scope.machineRole);
        return;
      case 'scheduler':
        fn.grantInvoke(scope.schedulerRole);
        return;
      case 'dags-bucket-events':
        (fn as LambdaFn).addEventSource(new S3EventSource(this.storage.dags, { events: [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED], filters: [{ prefix: DAGS_PREFIX }] }));
        return;
      case 'every-minute':
        new Rule(this, `${pascal(name)}EveryMinute`, { schedule: Schedule.rate(Duration.minutes(1)), targets: [new LambdaFunction(fn, { retryAttempts: 0 })] });
        return;
      case 'execution-status-events':
        new Rule(this, `${pascal(name)}Events`, {
          description: "skydag: this stack's executions that failed, timed out or were aborted",
          eventPattern: {
            source: ['aws.states'],
            detailType: ['Step Functions Execution Status Change'],
            detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ prefix: scope.machineArns[0]!.slice(0, -1) }] },
          },
          targets: [new LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueues.get(name), retryAttempts: 8, maxEventAge: Duration.hours(24) })],
        });
        return;
    }
  }
}

/**
 * The variables `entry` reads (functions/environment.ts variablesFor), from the stack's values; a
 * required one the stack has no value for fails the synth, naming it.
 */
export function contractEnvironment(entry: string, values: Readonly<Record<string, string>>): Record<string, string> {
  if (!(CLOUD_ENTRIES as readonly string[]).includes(entry)) throw new Error(`'${entry}' is not an entry of the cloud environment contract (functions/environment.ts CLOUD_ENTRIES)`);
  const environment: Record<string, string> = {};
  for (const spec of variablesFor(entry as CloudEntry)) {
    const value = values[spec.name];
    if (value !== undefined) environment[spec.name] = value;
    else if (spec.default === undefined) throw new Error(`the stack has no value for ${spec.name}, which ${entry} needs (${spec.description})`);
  }
  return environment;
}

/** The console's sign-in callback path (web/src/lib/pkce.ts CALLBACK_PATH; the template test reads it from there). */
export const CONSOLE_CALLBACK_PATH = '/auth/callback';

/**
 * The API's sign-in provider (shared/api/auth/oidc.ts): the user pool; groups (`cognito:groups`) are the
 * roles. Its endpoints are pinned (the hosted UI domain's, and the pool's JWKS), so the API never
 * depends on the discovery document; password sign-in is off unless the deployment turns on LDAP
 * sign-in (context `ldapSignIn`): deployed users are the pool's (the first admin is invited through Cognito).
 */
export function signInEnvironment(issuer: string, clientId: string, hostedUi: string, options: { passwordLogin: boolean } = { passwordLogin: false }): Record<string, string> {
  return {
    SKYDAG_OIDC_ISSUER: issuer,
    SKYDAG_OIDC_CLIENT_ID: clientId,
    SKYDAG_OIDC_PROVIDER_NAME: 'Cognito',
    SKYDAG_OIDC_AUTHORIZATION_ENDPOINT: `${hostedUi}/oauth2/authorize`,
    SKYDAG_OIDC_TOKEN_ENDPOINT: `${hostedUi}/oauth2/token`,
    SKYDAG_OIDC_END_SESSION_ENDPOINT: `${hostedUi}/logout`,
    SKYDAG_OIDC_JWKS_URI: `${issuer}/.well-known/jwks.json`,
    SKYDAG_PASSWORD_LOGIN: String(options.passwordLogin),
  };
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
