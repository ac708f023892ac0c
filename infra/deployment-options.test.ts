/**
 * A deployment with the optional context values set (infra/stack.test.ts synthesises one without):
 * a custom domain for the console and the API (domainName, certificateArn, hostedZoneId,
 * hostedZoneName), alert mail through SES (mailFrom, mailIdentity), and users' Python packages for
 * the runner image (requirementsFile). Synthesised without credentials and without docker.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CloudEnv } from '../functions/environment.js';
import { buildApp, stageRunnerRequirements } from './build-app.js';
import { readContext } from './context.js';

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const DOMAIN = { domainName: 'airflow.example.com', certificateArn: CERTIFICATE, hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com' };

const JOB_ROLES = ['arn:aws:iam::123456789012:role/EMR_EC2_DefaultRole', 'arn:aws:iam::123456789012:role/spark-serverless'];
const PASSED_ROLE = 'arn:aws:iam::123456789012:role/passed-only';

let dir: string;
const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Statement = { Action: string | string[]; Resource: unknown };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('context values', () => {
  const node = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

  it('takes a custom domain as its four values together, with a us-east-1 certificate for a name inside the zone', () => {
    expect(readContext(node(DOMAIN)).customDomain).toEqual(DOMAIN);
    expect(readContext(node({ ...DOMAIN, hostedZoneName: 'example.com.' })).customDomain?.hostedZoneName).toBe('example.com');
    expect(readContext(node({})).customDomain).toBeUndefined();
    expect(() => readContext(node({ domainName: 'airflow.example.com' }))).toThrow(/give all four for a custom domain \(missing: certificateArn, hostedZoneId, hostedZoneName\)/);
    expect(() => readContext(node({ ...DOMAIN, certificateArn: CERTIFICATE.replace('us-east-1', 'eu-west-1') }))).toThrow(/certificateArn: CloudFront takes certificates from us-east-1 only/);
    expect(() => readContext(node({ ...DOMAIN, domainName: 'airflow.example.org' }))).toThrow(/domainName: 'airflow.example.org' is not in the hosted zone 'example.com'/);
    expect(() => readContext(node({ ...DOMAIN, hostedZoneId: 'not-a-zone' }))).toThrow(/hostedZoneId: 'not-a-zone' does not match/);
  });

  it("sends mail from the sender's domain identity unless told otherwise, and only from an identity that can send as the sender", () => {
    expect(readContext(node({ mailFrom: 'skydag@example.com' }))).toMatchObject({ mailFrom: 'skydag@example.com', mailIdentity: 'example.com' });
    expect(readContext(node({ mailFrom: 'skydag@example.com', mailIdentity: 'skydag@example.com' })).mailIdentity).toBe('skydag@example.com');
    expect(() => readContext(node({ mailFrom: 'skydag@example.com', mailIdentity: 'other.org' }))).toThrow(/mailIdentity: 'other.org' cannot send as 'skydag@example.com'/);
    expect(() => readContext(node({ mailIdentity: 'example.com' }))).toThrow(/mailIdentity: needs mailFrom/);
    expect(() => readContext(node({ mailFrom: 'not an address' }))).toThrow(/mailFrom: 'not an address' does not match/);
  });

  it('takes the Spark job roles as ARNs, by default the roles tasks may pass', () => {
    const role = 'arn:aws:iam::123456789012:role/emr';
    expect(readContext(node({ passRoleArns: role })).sparkJobRoleArns).toEqual([role]);
    expect(readContext(node({ passRoleArns: role, sparkJobRoleArns: `${role}-ec2, ${role}-sl` })).sparkJobRoleArns).toEqual([`${role}-ec2`, `${role}-sl`]);
    expect(readContext(node({})).sparkJobRoleArns).toEqual([]);
    expect(() => readContext(node({ sparkJobRoleArns: 'EMR_EC2_DefaultRole' }))).toThrow(/sparkJobRoleArns: 'EMR_EC2_DefaultRole' does not match/);
  });

  it("stages the runner image's requirements: the named file, else dags/requirements.txt, else none; a named file that is missing is an error", () => {
    const cwd = mkdtempSync(join(tmpdir(), 'skydag-requirements-'));
    const out = mkdtempSync(join(tmpdir(), 'skydag-requirements-out-'));
    try {
      expect(stageRunnerRequirements(out, undefined, cwd)).toBe('');
      mkdirSync(join(cwd, 'dags'));
      writeFileSync(join(cwd, 'dags', 'requirements.txt'), 'requests==2.32.3\n');
      expect(stageRunnerRequirements(out, undefined, cwd)).toBe('requests==2.32.3\n');
      expect(readFileSync(join(out, 'requirements.txt'), 'utf8')).toBe('requests==2.32.3\n');
      expect(() => stageRunnerRequirements(out, 'python/requirements.txt', cwd)).toThrow(/requirementsFile: 'python\/requirements.txt' does not exist/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('synth with a custom domain, SES mail and task requirements', () => {
  let template: Template;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-synth-options-'));
    const requirements = join(dir, 'requirements.txt');
    writeFileSync(requirements, 'pandas==2.2.3\nrequests==2.32.3\n');
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_') || key.startsWith('CDK_DEFAULT')) delete process.env[key];
    process.env.CDK_DOCKER = join(dir, 'no-docker-here');
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    const { app, stack } = await buildApp({
      bundleDir: join(dir, 'functions'),
      outdir: join(dir, 'cdk.out'),
      context: { ...DOMAIN, mailFrom: 'skydag@example.com', requirementsFile: requirements, passRoleArns: PASSED_ROLE, sparkJobRoleArns: JOB_ROLES.join(',') },
    });
    template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template as Record<string, unknown>);
  }, 180_000);

  it('serves the console and the API under the domain, with its certificate and TLS 1.2 at least', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['airflow.example.com'],
        ViewerCertificate: { AcmCertificateArn: CERTIFICATE, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
        CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*' })],
      }),
    });
    template.hasOutput('ConsoleUrl', { Value: 'https://airflow.example.com' });
  });

  it('points the name at the distribution in the hosted zone (IPv4 and IPv6)', () => {
    for (const type of ['A', 'AAAA']) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'airflow.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: { DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Console'), 'DomainName'] }, HostedZoneId: Match.anyValue() },
      });
    }
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  it("sends Cognito's sign-in back to the domain", () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: [Match.stringLikeRegexp('^https://airflow\\.example\\.com/')], LogoutURLs: ['https://airflow.example.com/login'] });
  });

  it('lets the mail-sending functions call ses:SendEmail on the configured identity only, and tells them the sender', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const ses = Object.entries(policies).flatMap(([id, p]) => (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:'))).map((s) => ({ id, s })));
    expect(ses.map(({ id }) => id.replace(/FunctionServiceRoleDefaultPolicy.*|TaskRoleDefaultPolicy.*/, '')).sort()).toEqual(['Control', 'Runner', 'RunnerTask', 'Scheduler']);
    for (const { s } of ses) {
      expect(actionsOf(s)).toEqual(['ses:SendEmail']);
      expect(JSON.stringify(s.Resource)).toMatch(/:ses:eu-west-1:",\{"Ref":"AWS::AccountId"\},":identity\/example\.com"/);
    }
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const senderOf = (name: string) => functions.find((f) => f.Properties.FunctionName === `skydag-${name}`)!.Properties.Environment.Variables[CloudEnv.MAIL_FROM];
    expect(senderOf('control')).toBe('skydag@example.com');
    expect(senderOf('runner')).toBe('skydag@example.com');
    // The scheduler pass mails SLA misses.
    expect(senderOf('scheduler')).toBe('skydag@example.com');
    expect(senderOf('api')).toBeUndefined();
  });

  it('lets the Spark job roles get and delete EDA credentials objects, and decrypt only those, through the bucket and key policies', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as (Statement & { Sid?: string; Principal?: unknown })[]);
    // Only the named job roles (not the roles tasks may pass, when job roles are named).
    const granted = policies.filter((s) => JSON.stringify(s.Principal ?? '').includes(':role/'));
    expect(granted).toEqual([
      {
        Sid: 'SparkJobsReadEdaCredentials',
        Effect: 'Allow',
        Principal: { AWS: JOB_ROLES },
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StorageData/), 'Arn'] }, '/eda/credentials/*']] },
      },
    ]);
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const keyStatements = key!.Properties.KeyPolicy.Statement as (Statement & { Sid?: string; Principal?: unknown; Condition?: unknown })[];
    expect(keyStatements.filter((s) => JSON.stringify(s.Principal ?? '').includes(':role/'))).toEqual([
      {
        Sid: 'SparkJobsDecryptEdaCredentials',
        Effect: 'Allow',
        Principal: { AWS: JOB_ROLES },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^StorageData/), 'Arn'] }, '/eda/credentials/*']] } },
        },
      },
    ]);
  });

  it("puts the requirements beside the runner image's Dockerfile, which pip-installs them at build", () => {
    expect(readFileSync(join(dir, 'functions', 'requirements.txt'), 'utf8')).toBe('pandas==2.2.3\nrequests==2.32.3\n');
  });
});
