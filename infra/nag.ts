/**
 * cdk-nag's AwsSolutions rules run on every synth (cdk-nag 3: `Validations`, not `Aspects`), so an
 * unacknowledged finding fails `cdk synth` and the template test. Each finding we accept is
 * acknowledged here, on the construct it concerns and (for IAM wildcards) the exact finding, with why.
 */
import { Stack, Token, Validations, type App, type CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

type Ack = { id: string; reason: string };

/** `Resource::<LogicalId.Arn>/suffix`: how cdk-nag names a wildcard under one of the stack's resources. */
export function arnWildcard(resource: IConstruct, suffix: string): string {
  const stack = Stack.of(resource);
  const cfn = (resource.node.defaultChild ?? resource) as CfnResource;
  return `Resource::<${stack.resolve(stack.getLogicalId(cfn)) as string}.Arn>${suffix}`;
}

/** How cdk-nag prints the stack's region and account in a finding: the value, or `<AWS::…>` when the stack is environment-agnostic. */
function environmentOf(stack: Stack): { region: string; account: string } {
  return {
    region: Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region,
    account: Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account,
  };
}

function ack(scope: IConstruct | undefined, acks: Ack[]): void {
  if (!scope) return;
  for (const a of acks) Validations.of(scope).acknowledge({ id: a.id.startsWith('AwsSolutions-') || a.id.startsWith('CloudFormation') ? a.id : `AwsSolutions-${a.id}`, reason: a.reason });
}

export interface NagScopes {
  stack: Stack;
  /** Every role of a function or task (their default policies hold the grants). */
  functionRoles: IConstruct[];
  machineRole: IConstruct;
  schedulerRole: IConstruct;
  buckets: { data: IConstruct; logs: IConstruct; dags: IConstruct; console: IConstruct };
  /** The role of CDK's console upload function (BucketDeployment), when the console is deployed. */
  consoleUploadRole?: IConstruct;
  table: IConstruct;
  functions: IConstruct[];
  distribution: IConstruct;
  /** The distribution serves a custom domain with its own certificate (context domainName). */
  customDomain?: boolean;
  userPool: IConstruct;
  natInstance?: IConstruct;
  taskDefinition: IConstruct;
  /** API routes the gateway does not authorize (health, version, OpenAPI, sign-in configuration and code redemption; every route with LDAP sign-in). */
  publicRoutes: IConstruct[];
  /** Function ARNs the state machines and schedules invoke (`<fn>.Arn>:*`: their versions). */
  invokedFunctions: IConstruct[];
}

export function acknowledgeNagFindings(s: NagScopes): void {
  const prefix = s.stack.node.tryGetContext('prefix') ?? 'skydag';
  const { region, account } = environmentOf(s.stack);
  const sfn = (kind: string, suffix: string) => `Resource::arn:<AWS::Partition>:states:${region}:${account}:${kind}:skydag-${suffix}`;
  const iam5 = (finding: string, reason: string): Ack => ({ id: `IAM5[${finding}]`, reason });
  const stateMachines = [
    iam5(sfn('stateMachine', '*'), 'The DAG deployer creates one state machine per DAG at run time (named skydag-<dag>): the name pattern is the narrowest scope this stack can name'),
    iam5(sfn('stateMachine', '*:*'), 'Published versions and the live alias of the skydag-<dag> state machines (runs are pinned to a version)'),
    iam5(sfn('execution', '*'), 'Executions of the skydag-<dag> state machines (describe/stop a run, child runs)'),
  ];
  const grantWildcards = [
    iam5('Action::s3:Abort*', 'CDK grant of the bucket (multipart uploads of large logs and artifacts)'),
    iam5('Action::s3:DeleteObject*', 'CDK grant of the bucket: the object and its versions'),
    iam5('Action::s3:GetBucket*', 'CDK grant of the bucket (location, versioning)'),
    iam5('Action::s3:GetObject*', 'CDK grant of the bucket (object, its tags and versions)'),
    iam5('Action::s3:List*', 'CDK grant of the bucket (listing prefixes)'),
    iam5('Action::kms:GenerateDataKey*', 'CDK grant of the stack key that encrypts the metadata table'),
    iam5('Action::kms:ReEncrypt*', 'CDK grant of the stack key that encrypts the metadata table'),
    iam5(arnWildcard(s.buckets.data, '/*'), 'Objects of the data bucket (bundles, artifacts, confs, large values: keys are computed)'),
    iam5(arnWildcard(s.buckets.logs, '/*'), 'Objects of the task log bucket (one per try)'),
    iam5(arnWildcard(s.buckets.dags, '/dags/*'), 'DAG files under the DAGs prefix'),
    iam5(arnWildcard(s.table, '/index/*'), "The metadata table's own indexes"),
    iam5(`Resource::arn:<AWS::Partition>:scheduler:${region}:${account}:schedule/${prefix}/*`, "Schedules of this stack's schedule group (one per DAG and per sensor poke)"),
    iam5('Resource::*', 'Only actions without resource-level permissions: vended log delivery set-up (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray'),
    { id: 'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'AWS managed policy granting only CloudWatch Logs writes (CreateLogGroup/Stream, PutLogEvents) to the function' },
  ];
  for (const role of s.functionRoles) ack(role, [...stateMachines, ...grantWildcards]);
  ack(s.consoleUploadRole, [
    ...grantWildcards.filter((g) => g.id.startsWith('IAM5[Action::s3') || g.id.startsWith('IAM4')),
    iam5('Resource::*', "CDK's BucketDeployment invalidates the console's distribution (cloudfront:CreateInvalidation/GetInvalidation granted on *)"),
    iam5(arnWildcard(s.buckets.console, '/*'), "The console upload replaces the console bucket's files"),
    iam5(`Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`, "The console upload reads the console's zip from the CDK bootstrap asset bucket"),
  ]);
  ack(s.machineRole, [
    ...stateMachines,
    iam5('Resource::*', 'Only actions without resource-level permissions: vended log delivery, X-Ray, and ecs:StopTask/DescribeTasks (conditioned on this cluster)'),
    ...s.invokedFunctions.map((fn) => iam5(arnWildcard(fn, ':*'), 'Versions of a function the state machines invoke (CDK grantInvoke)')),
  ]);
  ack(s.schedulerRole, s.invokedFunctions.map((fn) => iam5(arnWildcard(fn, ':*'), 'Versions of a function schedules invoke (CDK grantInvoke)')));
  for (const fn of s.functions) ack(fn, [{ id: 'L1', reason: 'Node.js 22 is the runtime the project pins (engines, esbuild target node22); moving to a newer one is a deliberate upgrade' }]);
  ack(s.distribution, [
    { id: 'CFR1', reason: 'Who may sign in is decided by Cognito, not by country; deployers who need geo restrictions add them' },
    { id: 'CFR2', reason: 'WAF costs at least ~6 USD a month idle; the API behind it requires a Cognito JWT and is throttled at its stage' },
    // With a custom domain the distribution has its own certificate and TLS 1.2 at least: nothing to acknowledge.
    ...(s.customDomain ? [] : [{ id: 'CFR4', reason: "The distribution uses CloudFront's default certificate (no custom domain: context domainName), whose security policy CloudFront fixes (TLSv1); a custom domain's certificate raises it to TLS 1.2" }]),
  ]);
  ack(s.userPool, [
    { id: 'COG8', reason: 'The Plus feature plan (threat protection) is billed per active user; MFA is required and self sign-up is off instead' },
    { id: 'COG3', reason: 'Advanced security mode needs the Plus plan (see COG8)' },
  ]);
  for (const route of s.publicRoutes) ack(route, [{ id: 'APIG4', reason: "A public route of the API (shared/api/routes: access public): what a client needs before it has a token; the handler serves nothing else on it. With LDAP sign-in (context ldapSignIn) the API's own tokens are valid too, so every route is passed to the handler, which checks each route's permissions itself" }]);
  ack(s.taskDefinition, [{ id: 'ECS2', reason: 'The environment holds resource names and ARNs only (the runtime contract); secrets stay in the KMS-encrypted table' }]);
  ack(s.natInstance, [
    { id: 'EC26', reason: 'The NAT instance stores nothing: its root volume holds the stock Amazon Linux image' },
    { id: 'EC28', reason: 'Detailed monitoring costs more than the NAT instance itself; basic metrics are enough to see it' },
    { id: 'EC29', reason: 'The NAT instance is stateless and replaced by CloudFormation; termination protection would block stack updates' },
  ]);
}
