/**
 * The cloud environment contract: every environment variable a skydag Lambda or Fargate entry reads,
 * which entries need it, and how it is parsed. The CDK stack sets exactly `variablesFor(entry)` on
 * each function (so a new variable cannot be forgotten), and each entry reads its configuration once
 * through `readCloudEnvironment(entry)`: a missing or malformed variable is one clear error naming it,
 * raised on the first invocation, before anything is touched.
 *
 * Endpoints are not part of the contract: the AWS SDK reads `AWS_REGION` and, where an endpoint is
 * overridden (tests, S3-compatible stores), `AWS_ENDPOINT_URL_<SERVICE>` itself.
 */
import { oidcSettingsFromEnv, type OidcSettings } from '../shared/api/auth/oidc.js';
import { PARSE_ENV_VARIABLE, refusedParseEnvName } from '../shared/frontends/parse-env.js';

/** The deployed entries (scripts/bundle-functions.ts FUNCTION_ENTRIES, plus the Fargate runner task). */
export const CLOUD_ENTRIES = ['api', 'control', 'runner', 'runner-task', 'scheduler', 'reconciler', 'execution-status', 'deployer', 'git-pull', 'sensor-poker'] as const;
export type CloudEntry = (typeof CLOUD_ENTRIES)[number];

/** Entries that run handlers over the runtime's ports (RuntimeDeps). */
const RUNTIME: readonly CloudEntry[] = ['api', 'control', 'runner', 'runner-task', 'scheduler', 'reconciler', 'execution-status', 'sensor-poker'];
/** Entries that hand token waits to later invocations (one-shot schedules invoking the sensor-poker), or repair them. */
const WAITS: readonly CloudEntry[] = ['runner', 'sensor-poker', 'reconciler'];
/** Entries that start, describe or stop executions, or deploy machines. */
const EXECUTIONS: readonly CloudEntry[] = [...RUNTIME, 'deployer'];

export interface VariableSpec {
  name: string;
  description: string;
  /** Entries that read it. */
  usedBy: readonly CloudEntry[];
  /** Absent from the environment: this value (undefined: the variable is required). */
  default?: string;
}

/** Names of the variables, for code that sets them (the CDK stack, tests). */
export const CloudEnv = {
  TABLE_NAME: 'SKYDAG_TABLE_NAME',
  DAGS_BUCKET: 'SKYDAG_DAGS_BUCKET',
  DAGS_PREFIX: 'SKYDAG_DAGS_PREFIX',
  ARTIFACTS_BUCKET: 'SKYDAG_ARTIFACTS_BUCKET',
  LOGS_BUCKET: 'SKYDAG_LOGS_BUCKET',
  KMS_KEY_ARN: 'SKYDAG_KMS_KEY_ARN',
  MASTER_KEY_OBJECT: 'SKYDAG_MASTER_KEY_OBJECT',
  STATE_MACHINE_ARN_PREFIX: 'SKYDAG_STATE_MACHINE_ARN_PREFIX',
  STATE_MACHINE_ALIAS: 'SKYDAG_STATE_MACHINE_ALIAS',
  STATE_MACHINE_ROLE_ARN: 'SKYDAG_STATE_MACHINE_ROLE_ARN',
  STATE_MACHINE_LOG_GROUP_ARN: 'SKYDAG_STATE_MACHINE_LOG_GROUP_ARN',
  SCHEDULER_GROUP: 'SKYDAG_SCHEDULER_GROUP',
  SCHEDULER_ROLE_ARN: 'SKYDAG_SCHEDULER_ROLE_ARN',
  SCHEDULER_FUNCTION_ARN: 'SKYDAG_SCHEDULER_FUNCTION_ARN',
  /** What token waits' one-shot schedules invoke (functions/sensor-poker.ts). */
  SENSOR_POKER_FUNCTION_ARN: 'SKYDAG_SENSOR_POKER_FUNCTION_ARN',
  CONTROL_FUNCTION_ARN: 'SKYDAG_CONTROL_FUNCTION_ARN',
  RUNNER_FUNCTION_ARN: 'SKYDAG_RUNNER_FUNCTION_ARN',
  TASK_CLUSTER_ARN: 'SKYDAG_TASK_CLUSTER_ARN',
  TASK_DEFINITION_ARN: 'SKYDAG_TASK_DEFINITION_ARN',
  TASK_SUBNETS: 'SKYDAG_TASK_SUBNETS',
  TASK_SECURITY_GROUP: 'SKYDAG_TASK_SECURITY_GROUP',
  PYTHON_SHIM_DIR: 'SKYDAG_PYTHON_SHIM_DIR',
  BUNDLE_ROOT: 'SKYDAG_BUNDLE_ROOT',
  S3_FORCE_PATH_STYLE: 'SKYDAG_S3_FORCE_PATH_STYLE',
  VERSION: 'SKYDAG_VERSION',
  PARSE_ENV: PARSE_ENV_VARIABLE,
  OIDC_ISSUER: 'SKYDAG_OIDC_ISSUER',
  OIDC_CLIENT_ID: 'SKYDAG_OIDC_CLIENT_ID',
  OIDC_PROVIDER_NAME: 'SKYDAG_OIDC_PROVIDER_NAME',
  OIDC_GROUPS_CLAIM: 'SKYDAG_OIDC_GROUPS_CLAIM',
  OIDC_ROLES_MAPPING: 'SKYDAG_OIDC_ROLES_MAPPING',
  OIDC_DEFAULT_ROLE: 'SKYDAG_OIDC_DEFAULT_ROLE',
  OIDC_AUTHORIZATION_ENDPOINT: 'SKYDAG_OIDC_AUTHORIZATION_ENDPOINT',
  OIDC_TOKEN_ENDPOINT: 'SKYDAG_OIDC_TOKEN_ENDPOINT',
  OIDC_END_SESSION_ENDPOINT: 'SKYDAG_OIDC_END_SESSION_ENDPOINT',
  OIDC_JWKS_URI: 'SKYDAG_OIDC_JWKS_URI',
  PASSWORD_LOGIN: 'SKYDAG_PASSWORD_LOGIN',
  GIT_PULL_FUNCTION_ARN: 'SKYDAG_GIT_PULL_FUNCTION_ARN',
  TIMETABLE_FUNCTION_ARN: 'SKYDAG_TIMETABLE_FUNCTION_ARN',
  MAIL_FROM: 'SKYDAG_MAIL_FROM',
} as const;

const ALL: readonly CloudEntry[] = CLOUD_ENTRIES;

export const CLOUD_VARIABLES: readonly VariableSpec[] = [
  { name: CloudEnv.TABLE_NAME, description: 'the DynamoDB metadata table (shared/stores/dynamodb)', usedBy: ALL },
  { name: CloudEnv.DAGS_BUCKET, description: 'the S3 bucket holding DAG files (API uploads and git pulls write there; the deployer reads it)', usedBy: ['api', 'deployer', 'git-pull'] },
  { name: CloudEnv.DAGS_PREFIX, description: 'key prefix of the DAG files in the DAGs bucket', usedBy: ['api', 'deployer', 'git-pull'], default: 'dags/' },
  {
    name: CloudEnv.ARTIFACTS_BUCKET,
    description: 'the S3 bucket of DAG source bundles, metadata values too big for an item, Spark config groups and artifacts, the master key object',
    usedBy: ALL,
  },
  { name: CloudEnv.LOGS_BUCKET, description: 'the S3 bucket of task logs (one object per try)', usedBy: RUNTIME },
  { name: CloudEnv.KMS_KEY_ARN, description: 'the KMS key the master key object is encrypted with (SSE-KMS)', usedBy: ALL },
  { name: CloudEnv.MASTER_KEY_OBJECT, description: 'key, in the artifacts bucket, of the master secret (variables, connections, JWT); created on first use', usedBy: ALL, default: 'secrets/master.key' },
  {
    name: CloudEnv.STATE_MACHINE_ARN_PREFIX,
    description: 'ARN prefix of the DAGs\' state machines, `arn:aws:states:<region>:<account>:stateMachine:`',
    usedBy: EXECUTIONS,
  },
  { name: CloudEnv.STATE_MACHINE_ALIAS, description: 'the alias runs start through when a DAG version records no machine version', usedBy: EXECUTIONS, default: 'live' },
  { name: CloudEnv.STATE_MACHINE_ROLE_ARN, description: 'the role the DAGs\' state machines run as', usedBy: ['deployer'] },
  { name: CloudEnv.STATE_MACHINE_LOG_GROUP_ARN, description: 'CloudWatch log group of the executions (`…:*`); empty: no execution logging', usedBy: ['deployer'], default: '' },
  { name: CloudEnv.SCHEDULER_GROUP, description: 'the EventBridge Scheduler group of this deployment (the DAGs\' schedules, token waits\' one-shots)', usedBy: ['deployer', ...WAITS] },
  { name: CloudEnv.SCHEDULER_ROLE_ARN, description: 'the role EventBridge Scheduler assumes to invoke skydag functions', usedBy: ['deployer', ...WAITS] },
  { name: CloudEnv.SCHEDULER_FUNCTION_ARN, description: 'the scheduler-pass function the DAG schedules invoke', usedBy: ['deployer'] },
  { name: CloudEnv.SENSOR_POKER_FUNCTION_ARN, description: 'the sensor-poker function token waits\' one-shots invoke (the next poke of a sensor, the next poll of a Livy batch); empty: tries wait in their own invocation', usedBy: WAITS, default: '' },
  { name: CloudEnv.CONTROL_FUNCTION_ARN, description: 'the control function (compiled ASL ${SkydagControlFunctionArn})', usedBy: ['deployer'] },
  { name: CloudEnv.RUNNER_FUNCTION_ARN, description: 'the runner function (compiled ASL ${SkydagRunnerFunctionArn})', usedBy: ['deployer'] },
  { name: CloudEnv.TASK_CLUSTER_ARN, description: 'the ECS cluster of Fargate tries (${SkydagTaskClusterArn})', usedBy: ['deployer'] },
  { name: CloudEnv.TASK_DEFINITION_ARN, description: 'the runner image\'s task definition (${SkydagTaskDefinitionArn})', usedBy: ['deployer'] },
  { name: CloudEnv.TASK_SUBNETS, description: 'comma-separated subnet ids of Fargate tries, one or two (${SkydagTaskSubnetA}, ${SkydagTaskSubnetB})', usedBy: ['deployer'] },
  { name: CloudEnv.TASK_SECURITY_GROUP, description: 'the security group of Fargate tries (${SkydagTaskSecurityGroup})', usedBy: ['deployer'] },
  { name: CloudEnv.PYTHON_SHIM_DIR, description: 'the airflow shim and skydag_runner (default: `python/` beside the bundle, where `npm run bundle` copies it)', usedBy: RUNTIME, default: '' },
  { name: CloudEnv.BUNDLE_ROOT, description: 'where DAG source bundles are extracted (kept across warm invocations)', usedBy: RUNTIME, default: '/tmp/skydag-bundles' },
  { name: CloudEnv.S3_FORCE_PATH_STYLE, description: '`true` for S3-compatible endpoints that need path-style addressing', usedBy: ALL, default: 'false' },
  { name: CloudEnv.VERSION, description: 'skydag\'s version for GET /version', usedBy: ['api'], default: '0.0.0' },
  // The parse environment (shared/frontends/parse-env.ts): the variables DAG files may read while they are
  // parsed, by the deployer and by the API's uploads and checks; each listed variable is set beside it
  // (PARSE_ENV_ENTRIES: the stack adds them, from the CDK context `parseEnvironment`).
  { name: CloudEnv.PARSE_ENV, description: 'comma-separated names of the variables DAG files may read while they are parsed (os.environ), each set beside it', usedBy: ['api', 'deployer'], default: '' },
  // Sign-in with the deployment's Cognito user pool (shared/api/auth/oidc.ts reads them; empty: no provider).
  { name: CloudEnv.OIDC_ISSUER, description: 'the OpenID Connect issuer users sign in with (the Cognito user pool\'s URL)', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_CLIENT_ID, description: 'its app client id(s), comma-separated, the console\'s first', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_PROVIDER_NAME, description: 'the sign-in button\'s provider name', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_GROUPS_CLAIM, description: 'the token claim holding the user\'s groups (default cognito:groups)', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_ROLES_MAPPING, description: 'JSON {"group": ["Role", …]} (default: groups are role names)', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_DEFAULT_ROLE, description: 'the role of users in no mapped group (default Public)', usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_AUTHORIZATION_ENDPOINT, description: "the provider's authorize endpoint (Cognito: the hosted UI domain's /oauth2/authorize); default: from the issuer's discovery document", usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_TOKEN_ENDPOINT, description: "the provider's token endpoint (Cognito: /oauth2/token); default: from discovery", usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_END_SESSION_ENDPOINT, description: "the provider's sign-out endpoint (Cognito: /logout); default: from discovery", usedBy: ['api'], default: '' },
  { name: CloudEnv.OIDC_JWKS_URI, description: "the provider's signing keys (Cognito: <issuer>/.well-known/jwks.json); default: from discovery", usedBy: ['api'], default: '' },
  { name: CloudEnv.PASSWORD_LOGIN, description: '`false` turns password sign-in off (users then sign in through the provider only)', usedBy: ['api'], default: 'true' },
  { name: CloudEnv.GIT_PULL_FUNCTION_ARN, description: 'the git-pull function the API invokes for on-demand pulls (empty: no git configuration endpoints)', usedBy: ['api'], default: '' },
  { name: CloudEnv.TIMETABLE_FUNCTION_ARN, description: "the function (with Python) the API asks custom timetables through: manual runs' data intervals, backfill plans (empty: DAGs with one cannot be triggered through the API)", usedBy: ['api'], default: '' },
  {
    name: CloudEnv.MAIL_FROM,
    description: 'the sender of alert emails and EmailOperator messages, sent with SES from this verified identity (empty: no alert emails, EmailOperator cannot run)',
    // The entries that send mail: control (alert emails of failed and retried tries), the runners (EmailOperator), the scheduler (SLA miss emails).
    usedBy: ['control', 'runner', 'runner-task', 'scheduler'],
    default: '',
  },
];

/** Entries that parse DAG files: besides the contract, they get the parse environment's variables themselves. */
export const PARSE_ENV_ENTRIES: readonly CloudEntry[] = CLOUD_VARIABLES.find((v) => v.name === CloudEnv.PARSE_ENV)!.usedBy;

/** The variables an entry reads (what the CDK stack sets on its function). */
export function variablesFor(entry: CloudEntry): VariableSpec[] {
  return CLOUD_VARIABLES.filter((v) => v.usedBy.includes(entry));
}

export class CloudEnvironmentError extends Error {
  override readonly name = 'CloudEnvironmentError';
}

/** What every entry gets; fields of variables the entry does not read are absent. */
export interface CloudEnvironment {
  entry: CloudEntry;
  tableName: string;
  dagsBucket?: string;
  dagsPrefix?: string;
  artifactsBucket: string;
  logsBucket?: string;
  kmsKeyArn: string;
  masterKeyObject: string;
  stateMachineArnPrefix?: string;
  stateMachineAlias?: string;
  stateMachineRoleArn?: string;
  stateMachineLogGroupArn?: string;
  scheduler?: { groupName: string; roleArn: string; schedulerFunctionArn: string };
  /** Token waits' one-shots (runner, sensor-poker, reconciler): the group, the role Scheduler assumes and the poker they invoke. */
  waits?: { groupName: string; roleArn: string; pokerFunctionArn: string };
  /** Deploy-time values of the compiled ASL's placeholders (shared/compiler/resources.ts), by name without `${}`. */
  substitutions?: Readonly<Record<string, string>>;
  /** Empty: beside the bundle (see pythonShimDir()). */
  pythonShimDir?: string;
  bundleRoot?: string;
  s3ForcePathStyle: boolean;
  version?: string;
  /** Sign-in provider settings (api only; absent: none configured). */
  oidc?: OidcSettings;
  /** Whether POST /auth/login accepts passwords (api only). */
  passwordLogin?: boolean;
  /** The git-pull function (api only; absent: the git configuration endpoints answer 404). */
  gitPullFunctionArn?: string;
  timetableFunctionArn?: string;
  /** The sender of mail sent with SES (absent: no mail transport). */
  mailFrom?: string;
}

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Check = (value: string) => string | undefined;
const checks: Partial<Record<string, Check>> = {
  [CloudEnv.DAGS_BUCKET]: bucket,
  [CloudEnv.ARTIFACTS_BUCKET]: bucket,
  [CloudEnv.LOGS_BUCKET]: bucket,
  [CloudEnv.KMS_KEY_ARN]: arn,
  [CloudEnv.STATE_MACHINE_ROLE_ARN]: arn,
  [CloudEnv.SCHEDULER_ROLE_ARN]: arn,
  [CloudEnv.SCHEDULER_FUNCTION_ARN]: arn,
  [CloudEnv.SENSOR_POKER_FUNCTION_ARN]: (v) => (v === '' ? undefined : arn(v)),
  [CloudEnv.CONTROL_FUNCTION_ARN]: arn,
  [CloudEnv.RUNNER_FUNCTION_ARN]: arn,
  [CloudEnv.TASK_CLUSTER_ARN]: arn,
  [CloudEnv.TASK_DEFINITION_ARN]: arn,
  [CloudEnv.STATE_MACHINE_LOG_GROUP_ARN]: (v) => (v === '' ? undefined : arn(v)),
  [CloudEnv.GIT_PULL_FUNCTION_ARN]: (v) => (v === '' ? undefined : arn(v)),
  [CloudEnv.TIMETABLE_FUNCTION_ARN]: (v) => (v === '' ? undefined : arn(v)),
  [CloudEnv.MAIL_FROM]: (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : 'must be an email address'),
  [CloudEnv.STATE_MACHINE_ARN_PREFIX]: (v) => (/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:$/.test(v) ? undefined : 'must be arn:aws:states:<region>:<account>:stateMachine:'),
  [CloudEnv.DAGS_PREFIX]: (v) => (v === '' || v.endsWith('/') ? undefined : "must be empty or end with '/'"),
  [CloudEnv.TASK_SUBNETS]: (v) => {
    const n = v.split(',').filter((s) => s.trim() !== '').length;
    return n === 1 || n === 2 ? undefined : `must list one or two subnet ids (got ${n})`;
  },
  [CloudEnv.S3_FORCE_PATH_STYLE]: (v) => (v === 'true' || v === 'false' ? undefined : "must be 'true' or 'false'"),
  [CloudEnv.PASSWORD_LOGIN]: (v) => (v === 'true' || v === 'false' ? undefined : "must be 'true' or 'false'"),
  [CloudEnv.PARSE_ENV]: (v) => {
    const refused = v.split(',').map((n) => n.trim()).filter((n) => n !== '').map(refusedParseEnvName).filter((why) => why !== undefined);
    return refused.length ? `lists variables DAG files may not read: ${refused.join('; ')}` : undefined;
  },
};

function bucket(value: string): string | undefined {
  return BUCKET.test(value) ? undefined : 'must be an S3 bucket name';
}

function arn(value: string): string | undefined {
  return ARN.test(value) ? undefined : 'must be an ARN';
}

/**
 * Reads and checks every variable `entry` uses. All problems are reported at once, each naming its
 * variable; values are never echoed (some are secrets' locations, none are secrets, but the rule is simple).
 */
export function readCloudEnvironment(entry: CloudEntry, env: Readonly<Record<string, string | undefined>> = process.env): CloudEnvironment {
  if (!(CLOUD_ENTRIES as readonly string[]).includes(entry)) throw new CloudEnvironmentError(`unknown skydag entry '${entry}'`);
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (const spec of variablesFor(entry)) {
    const raw = env[spec.name]?.trim();
    const value = raw === undefined || raw === '' ? spec.default : raw;
    if (value === undefined) {
      problems.push(`${spec.name} is not set (${spec.description})`);
      continue;
    }
    const problem = value === spec.default ? undefined : checks[spec.name]?.(value);
    if (problem) problems.push(`${spec.name} ${problem}`);
    else values.set(spec.name, value);
  }
  let oidc: OidcSettings | undefined;
  if (entry === 'api') {
    try {
      oidc = oidcSettingsFromEnv(Object.fromEntries(values));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new CloudEnvironmentError(`skydag ${entry}: environment is incomplete: ${problems.join('; ')}`);
  const get = (name: string) => values.get(name);
  const subnets = get(CloudEnv.TASK_SUBNETS)?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const present = <K extends keyof CloudEnvironment>(key: K, value: CloudEnvironment[K] | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    entry,
    tableName: get(CloudEnv.TABLE_NAME)!,
    artifactsBucket: get(CloudEnv.ARTIFACTS_BUCKET)!,
    kmsKeyArn: get(CloudEnv.KMS_KEY_ARN)!,
    masterKeyObject: get(CloudEnv.MASTER_KEY_OBJECT)!,
    s3ForcePathStyle: get(CloudEnv.S3_FORCE_PATH_STYLE) === 'true',
    ...present('dagsBucket', get(CloudEnv.DAGS_BUCKET)),
    ...present('dagsPrefix', get(CloudEnv.DAGS_PREFIX)),
    ...present('logsBucket', get(CloudEnv.LOGS_BUCKET)),
    ...present('stateMachineArnPrefix', get(CloudEnv.STATE_MACHINE_ARN_PREFIX)),
    ...present('stateMachineAlias', get(CloudEnv.STATE_MACHINE_ALIAS)),
    ...present('stateMachineRoleArn', get(CloudEnv.STATE_MACHINE_ROLE_ARN)),
    ...present('stateMachineLogGroupArn', get(CloudEnv.STATE_MACHINE_LOG_GROUP_ARN) || undefined),
    ...present('pythonShimDir', get(CloudEnv.PYTHON_SHIM_DIR)),
    ...present('bundleRoot', get(CloudEnv.BUNDLE_ROOT)),
    ...present('version', get(CloudEnv.VERSION)),
    ...present('oidc', oidc),
    ...(values.has(CloudEnv.PASSWORD_LOGIN) ? { passwordLogin: get(CloudEnv.PASSWORD_LOGIN) === 'true' } : {}),
    ...present('gitPullFunctionArn', get(CloudEnv.GIT_PULL_FUNCTION_ARN) || undefined),
    ...present('timetableFunctionArn', get(CloudEnv.TIMETABLE_FUNCTION_ARN) || undefined),
    ...present('mailFrom', get(CloudEnv.MAIL_FROM) || undefined),
    ...(get(CloudEnv.SENSOR_POKER_FUNCTION_ARN)
      ? { waits: { groupName: get(CloudEnv.SCHEDULER_GROUP)!, roleArn: get(CloudEnv.SCHEDULER_ROLE_ARN)!, pokerFunctionArn: get(CloudEnv.SENSOR_POKER_FUNCTION_ARN)! } }
      : {}),
    ...(values.has(CloudEnv.SCHEDULER_FUNCTION_ARN)
      ? {
          scheduler: {
            groupName: get(CloudEnv.SCHEDULER_GROUP)!,
            roleArn: get(CloudEnv.SCHEDULER_ROLE_ARN)!,
            schedulerFunctionArn: get(CloudEnv.SCHEDULER_FUNCTION_ARN)!,
          },
        }
      : {}),
    ...(values.has(CloudEnv.CONTROL_FUNCTION_ARN)
      ? {
          substitutions: {
            SkydagControlFunctionArn: get(CloudEnv.CONTROL_FUNCTION_ARN)!,
            SkydagRunnerFunctionArn: get(CloudEnv.RUNNER_FUNCTION_ARN)!,
            SkydagTaskClusterArn: get(CloudEnv.TASK_CLUSTER_ARN)!,
            SkydagTaskDefinitionArn: get(CloudEnv.TASK_DEFINITION_ARN)!,
            SkydagTaskSubnetA: subnets![0]!,
            // One subnet: both placeholders name it (the compiled networkConfiguration lists two).
            SkydagTaskSubnetB: subnets![1] ?? subnets![0]!,
            SkydagTaskSecurityGroup: get(CloudEnv.TASK_SECURITY_GROUP)!,
          },
        }
      : {}),
  };
}
