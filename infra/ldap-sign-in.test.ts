/**
 * A deployment with LDAP sign-in (CDK context `ldapSignIn`): the API's password sign-in stays on, and
 * the gateway passes every route to the API (its own tokens are valid beside the user pool's, and it
 * checks each route's permissions itself). Without the flag the gateway requires a Cognito token
 * (infra/stack.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './build-app.js';
import { readContext } from './context.js';

let dir: string;
const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

it('reads the flag strictly', () => {
  const node = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });
  expect(readContext(node({})).ldapSignIn).toBe(false);
  expect(readContext(node({ ldapSignIn: 'true' })).ldapSignIn).toBe(true);
  expect(() => readContext(node({ ldapSignIn: 'yes' }))).toThrow(/ldapSignIn: expected true or false/);
});

it('keeps password sign-in on and lets the API authorize every route', async () => {
  dir = mkdtempSync(join(tmpdir(), 'skydag-synth-ldap-'));
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_') || key.startsWith('CDK_DEFAULT')) delete process.env[key];
  process.env.CDK_DOCKER = join(dir, 'no-docker-here');
  process.env.CDK_DEFAULT_REGION = 'eu-west-1';
  const { app, stack } = await buildApp({ bundleDir: join(dir, 'functions'), outdir: join(dir, 'cdk.out'), context: { ldapSignIn: true } });
  const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template as Record<string, unknown>);
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties as { RouteKey: string; AuthorizationType?: string });
  expect(routes.find((r) => r.RouteKey === 'ANY /api/{proxy+}')?.AuthorizationType ?? 'NONE').toBe('NONE');
  const api = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === 'skydag-api')!;
  expect(api.Properties.Environment.Variables.SKYDAG_PASSWORD_LOGIN).toBe('true');
}, 180_000);
