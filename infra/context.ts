/**
 * The account-specific settings of a deployment, read from CDK context (`cdk.json`, `cdk.context.json`
 * or `-c key=value`) and checked once, so a typo fails the synth with the key named instead of
 * deploying something half-configured. Nothing here is a secret.
 */
import type { Node } from 'constructs';
import { refusedParseEnvName } from '../shared/frontends/parse-env.js';

export interface SkydagContext {
  /** Prefix of every named resource (state machines, schedule group, user pool domain). */
  prefix: string;
  /** Days CloudWatch keeps Lambda, state machine and VPC flow logs. */
  logRetentionDays: number;
  /** Where alarms are mailed (an SNS email subscription); none: alarms only show in CloudWatch. */
  alarmEmail?: string;
  /** Use this VPC for long tasks on Fargate (and Livy) instead of creating one; needs `privateSubnetIds`. */
  vpcId?: string;
  /** Two private subnets of `vpcId` with a route to the internet (NAT) or VPC endpoints. */
  privateSubnetIds?: string[];
  /** EMR on EC2 clusters Spark tasks may add steps to (`j-…`). */
  emrClusterIds: string[];
  /** EMR Serverless applications Spark tasks may start job runs on. */
  emrServerlessApplicationIds: string[];
  /** Roles tasks may pass to EMR / EMR Serverless (job execution roles), by ARN: iam:PassRole names only these. */
  passRoleArns: string[];
  /**
   * The roles Spark jobs run as (EMR clusters' instance-profile roles, EMR Serverless execution roles,
   * a Livy cluster's role): a database EDA source's job reads and deletes its run's credentials object
   * (`eda/credentials/*` of the data bucket, SSE-KMS) and nothing else through this grant. Default: passRoleArns.
   */
  sparkJobRoleArns: string[];
  /** Livy endpoint of a Spark cluster reachable from the VPC (`https://…:8998`). */
  livyUrl?: string;
  /** Cognito hosted UI domain prefix (globally unique in the region); default `<prefix>-<account>`. */
  authDomainPrefix?: string;
  /**
   * Sign-in with a password too (LDAP directory users, local users), beside the user pool: the API's
   * password sign-in stays on, and since it issues its own tokens, the gateway passes requests to the
   * API, which verifies both kinds on every route. Off by default (the user pool only).
   */
  ldapSignIn: boolean;
  /**
   * What DAG files read from `os.environ` while the deployer (and the API's uploads) parse them, the
   * cloud's SKYDAG_PARSE_ENV: `{"STAGE": "prod"}` in cdk.json, or `-c parseEnvironment='{"STAGE":"prod"}'`.
   * Set as Lambda environment variables, so not for secrets (tasks read those from Variables/Connections).
   */
  parseEnvironment: Record<string, string>;
  /**
   * A custom domain for the console and the API (`https://<domainName>/`, `/api/*`), all four
   * together: the name, its ACM certificate (in us-east-1, as CloudFront requires) and the Route 53
   * hosted zone the stack adds the name's alias records to. None: CloudFront's own domain.
   */
  customDomain?: { domainName: string; certificateArn: string; hostedZoneId: string; hostedZoneName: string };
  /** Sender of alert emails and EmailOperator messages (SES); none: no alert emails. */
  mailFrom?: string;
  /** The verified SES identity mail is sent from (functions may send from it only); default: mailFrom's domain. */
  mailIdentity?: string;
  /**
   * Python packages for task code, installed with pip when `cdk deploy` builds the runner image: a
   * requirements file, relative to the working directory; default `dags/requirements.txt` if present.
   */
  requirementsFile?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Lambda's environment holds 4 KB in all; the contract's own variables take about half. */
const PARSE_ENVIRONMENT_MAX_BYTES = 2048;

const DEFAULTS = { prefix: 'skydag', logRetentionDays: 30 } as const;
/** Retention periods CloudWatch Logs accepts. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Reads and checks the context; throws one error listing every bad value. */
export function readContext(node: Pick<Node, 'tryGetContext'>): SkydagContext {
  const problems: string[] = [];
  const str = (key: string, pattern?: RegExp): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') problems.push(`${key}: expected a string`);
    else if (pattern && !pattern.test(value)) problems.push(`${key}: '${value}' does not match ${pattern}`);
    else return value;
    return undefined;
  };
  const list = (key: string, pattern: RegExp): string[] => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return [];
    // `-c key=a,b` arrives as a string; cdk.json may hold an array.
    const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
    if (!Array.isArray(items) || !items.every((i): i is string => typeof i === 'string')) {
      problems.push(`${key}: expected a list of strings`);
      return [];
    }
    for (const item of items) if (!pattern.test(item)) problems.push(`${key}: '${item}' does not match ${pattern}`);
    return items;
  };

  const flag = (key: string): boolean => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '' || value === false || value === 'false') return false;
    if (value === true || value === 'true') return true;
    problems.push(`${key}: expected true or false`);
    return false;
  };

  const parseEnvironment = (): Record<string, string> => {
    let value: unknown = node.tryGetContext('parseEnvironment');
    if (value === undefined || value === null || value === '') return {};
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        problems.push('parseEnvironment: expected a JSON object such as {"STAGE": "prod"}');
        return {};
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push('parseEnvironment: expected an object of variable names and string values');
      return {};
    }
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [name, v] of entries) {
      const refused = refusedParseEnvName(name);
      if (refused) problems.push(`parseEnvironment: ${refused}`);
      else if (typeof v !== 'string') problems.push(`parseEnvironment: the value of ${name} must be a string`);
    }
    const bytes = entries.reduce((n, [name, v]) => n + Buffer.byteLength(name) + Buffer.byteLength(String(v)) + 1, 0);
    if (bytes > PARSE_ENVIRONMENT_MAX_BYTES) problems.push(`parseEnvironment: ${bytes} bytes, more than the ${PARSE_ENVIRONMENT_MAX_BYTES} a Lambda environment leaves for it`);
    return Object.fromEntries(entries.filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  };

  const prefix = str('prefix', /^[a-z][a-z0-9-]{1,20}$/) ?? DEFAULTS.prefix;
  const retentionRaw: unknown = node.tryGetContext('logRetentionDays');
  const logRetentionDays = retentionRaw === undefined ? DEFAULTS.logRetentionDays : Number(retentionRaw);
  if (!RETENTION_DAYS.includes(logRetentionDays)) problems.push(`logRetentionDays: ${String(retentionRaw)} is not one of ${RETENTION_DAYS.join(', ')}`);
  const context: SkydagContext = {
    prefix,
    logRetentionDays,
    alarmEmail: str('alarmEmail', EMAIL),
    vpcId: str('vpcId', /^vpc-[0-9a-f]{8,17}$/),
    privateSubnetIds: list('privateSubnetIds', /^subnet-[0-9a-f]{8,17}$/),
    emrClusterIds: list('emrClusterIds', /^j-[0-9A-Z]{1,64}$/),
    emrServerlessApplicationIds: list('emrServerlessApplicationIds', /^[0-9a-z]{16,64}$/),
    passRoleArns: list('passRoleArns', ROLE_ARN),
    sparkJobRoleArns: [],
    livyUrl: str('livyUrl', /^https?:\/\/[^\s]+$/),
    authDomainPrefix: str('authDomainPrefix', /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
    ldapSignIn: flag('ldapSignIn'),
    parseEnvironment: parseEnvironment(),
    mailFrom: str('mailFrom', EMAIL),
    mailIdentity: str('mailIdentity', /^(?:[^@\s]+@)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/),
    requirementsFile: str('requirementsFile'),
  };
  const jobRoles: unknown = node.tryGetContext('sparkJobRoleArns');
  context.sparkJobRoleArns = jobRoles === undefined || jobRoles === null || jobRoles === '' ? context.passRoleArns : list('sparkJobRoleArns', ROLE_ARN);
  const domain = {
    domainName: str('domainName', /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/),
    certificateArn: str('certificateArn', /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/),
    hostedZoneId: str('hostedZoneId', /^Z[0-9A-Z]{1,32}$/),
    hostedZoneName: str('hostedZoneName', /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/),
  };
  const given = Object.entries(domain).filter(([, v]) => v !== undefined);
  if (given.length > 0 && given.length < 4) problems.push(`domainName, certificateArn, hostedZoneId, hostedZoneName: give all four for a custom domain (missing: ${Object.entries(domain).filter(([, v]) => v === undefined).map(([k]) => k).join(', ')})`);
  if (domain.certificateArn && !/^arn:aws[a-z-]*:acm:us-east-1:/.test(domain.certificateArn)) problems.push('certificateArn: CloudFront takes certificates from us-east-1 only');
  const zone = domain.hostedZoneName?.replace(/\.$/, '');
  if (domain.domainName && zone && domain.domainName !== zone && !domain.domainName.endsWith(`.${zone}`)) problems.push(`domainName: '${domain.domainName}' is not in the hosted zone '${zone}'`);
  if (given.length === 4) context.customDomain = { domainName: domain.domainName!, certificateArn: domain.certificateArn!, hostedZoneId: domain.hostedZoneId!, hostedZoneName: zone! };
  if (context.mailIdentity && !context.mailFrom) problems.push('mailIdentity: needs mailFrom');
  if (context.mailFrom && !context.mailIdentity) context.mailIdentity = context.mailFrom.split('@')[1];
  if (context.mailFrom && context.mailIdentity) {
    const [, fromDomain] = context.mailFrom.split('@');
    if (context.mailIdentity.includes('@') ? context.mailIdentity !== context.mailFrom : context.mailIdentity !== fromDomain) problems.push(`mailIdentity: '${context.mailIdentity}' cannot send as '${context.mailFrom}' (give the sender's address or its domain)`);
  }
  if (context.vpcId && (context.privateSubnetIds?.length ?? 0) < 2) problems.push('privateSubnetIds: give two private subnets of vpcId');
  if (!context.vpcId && (context.privateSubnetIds?.length ?? 0) > 0) problems.push('privateSubnetIds: needs vpcId');
  if (problems.length > 0) throw new Error(`invalid CDK context:\n  ${problems.join('\n  ')}`);
  if (!context.vpcId) delete context.privateSubnetIds;
  return context;
}
