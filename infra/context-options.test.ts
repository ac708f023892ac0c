/**
 * Deployments with optional CDK context, synthesized once with all of them:
 * - `ldapSignIn`: the API's password sign-in stays on, and the gateway passes every route to the API
 *   (its own tokens are valid beside the user pool's, and it checks each route's permissions itself).
 *   Without the flag the gateway requires a Cognito token (infra/stack.test.ts).
 * - `parseEnvironment`: what DAG files read from `os.environ` while the deployer and the API parse
 *   them, as SKYDAG_PARSE_ENV gives it locally.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { readCloudEnvironment } from '../functions/environment.js';
import { parseEnvironmentFromEnv } from '../shared/frontends/parse-env.js';
import { parse, py } from '../shared/frontends/python/tests/helpers.js';
import { buildApp } from './build-app.js';
import { readContext } from './context.js';

const node = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

describe('reading the context', () => {
  it('reads the LDAP flag strictly', () => {
    expect(readContext(node({})).ldapSignIn).toBe(false);
    expect(readContext(node({ ldapSignIn: 'true' })).ldapSignIn).toBe(true);
    expect(() => readContext(node({ ldapSignIn: 'yes' }))).toThrow(/ldapSignIn: expected true or false/);
  });

  it('reads the parse environment as an object or a JSON string, and refuses what DAG files may not see', () => {
    expect(readContext(node({})).parseEnvironment).toEqual({});
    expect(readContext(node({ parseEnvironment: { STAGE: 'prod' } })).parseEnvironment).toEqual({ STAGE: 'prod' });
    expect(readContext(node({ parseEnvironment: '{"STAGE":"prod","TEAM":"data"}' })).parseEnvironment).toEqual({ STAGE: 'prod', TEAM: 'data' });
    expect(() => readContext(node({ parseEnvironment: '{STAGE' }))).toThrow(/parseEnvironment: expected a JSON object/);
    expect(() => readContext(node({ parseEnvironment: ['STAGE'] }))).toThrow(/parseEnvironment: expected an object/);
    expect(() => readContext(node({ parseEnvironment: { AWS_SECRET_ACCESS_KEY: 'x', SKYDAG_TABLE_NAME: 't', 'A-B': 'x', N: 3 } }))).toThrow(
      /AWS_SECRET_ACCESS_KEY is one of skydag's or AWS's own settings[\s\S]*SKYDAG_TABLE_NAME is one of skydag's or AWS's own settings[\s\S]*'A-B' is not a variable name[\s\S]*the value of N must be a string/,
    );
    expect(() => readContext(node({ parseEnvironment: { BIG: 'x'.repeat(3000) } }))).toThrow(/parseEnvironment: 3004 bytes, more than the 2048/);
  });

  it('a function whose SKYDAG_PARSE_ENV lists a refused name fails on its first invocation, naming it', () => {
    expect(() => readCloudEnvironment('deployer', { SKYDAG_PARSE_ENV: 'STAGE,AWS_SESSION_TOKEN' })).toThrow(/SKYDAG_PARSE_ENV lists variables DAG files may not read: AWS_SESSION_TOKEN is one of skydag's or AWS's own settings/);
  });
});

describe('a deployment with LDAP sign-in and a parse environment', () => {
  let dir: string;
  let template: Template;
  const saved = { ...process.env };
  const variables = (name: string) => (Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `skydag-${name}`)!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-synth-options-'));
    for (const key of Object.keys(process.env)) if (key.startsWith('AWS_') || key.startsWith('CDK_DEFAULT')) delete process.env[key];
    process.env.CDK_DOCKER = join(dir, 'no-docker-here');
    process.env.CDK_DEFAULT_REGION = 'eu-west-1';
    const { app, stack } = await buildApp({ bundleDir: join(dir, 'functions'), outdir: join(dir, 'cdk.out'), context: { ldapSignIn: true, parseEnvironment: '{"STAGE":"prod","TEAM":"data"}' } });
    template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template as Record<string, unknown>);
  }, 180_000);
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps password sign-in on and lets the API authorize every route', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties as { RouteKey: string; AuthorizationType?: string });
    expect(routes.find((r) => r.RouteKey === 'ANY /api/{proxy+}')?.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(variables('api').SKYDAG_PASSWORD_LOGIN).toBe('true');
  });

  it('gives the deployer and the API the parse variables and their list, and no other function', () => {
    for (const entry of ['deployer', 'api']) expect(variables(entry)).toMatchObject({ SKYDAG_PARSE_ENV: 'STAGE,TEAM', STAGE: 'prod', TEAM: 'data' });
    for (const entry of ['control', 'runner', 'scheduler']) {
      expect(variables(entry)).not.toHaveProperty('STAGE');
      expect(variables(entry)).not.toHaveProperty('SKYDAG_PARSE_ENV');
    }
  });

  it("the deployer's DAG files read them at parse time, and the values are recorded with the version", () => {
    const env = Object.fromEntries(Object.entries(variables('deployer')).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const r = parse(
      py`
        import os
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("load_" + os.environ["STAGE"], start_date=datetime(2024, 1, 1), schedule=None, tags=[os.getenv("TEAM", "none")]) as dag:
            EmptyOperator(task_id="t")
      `,
      undefined,
      parseEnvironmentFromEnv(env),
    );
    expect(r.dags.map((d) => [d.dag_id, d.tags, d.parse_env])).toEqual([['load_prod', ['data'], { STAGE: 'prod', TEAM: 'data' }]]);
  });
});
