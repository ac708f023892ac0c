/** spark-submit is started with the task environment, never the platform's (the probe included). */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRequest, makeTask } from '../../shared/runtime/executors/test-request.js';
import { TaskNotRunnableError } from '../../shared/runtime/executors/types.js';
import { createSparkSubmitExecutor } from './spark-submit.js';

describe('local spark-submit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-spark-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const request = () => makeRequest({ task: makeTask({ task_id: 'spark', operator: 'CoutureSparkOperator', operator_kind: 'spark', args: {} }) });

  it('runs spark-submit with the task environment: the basics and SPARK/JAVA settings the site passes through', async () => {
    const seen = join(dir, 'env.txt');
    const fake = join(dir, 'spark-submit');
    writeFileSync(fake, `#!/bin/sh\nenv > '${seen}'\n`);
    chmodSync(fake, 0o755);
    const parentEnv = {
      PATH: process.env.PATH,
      HOME: '/home/ops',
      JAVA_HOME: '/opt/java',
      SPARK_HOME: '/opt/spark',
      SKYDAG_ADMIN_PASSWORD: 'admin-pw',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      SKYDAG_TASK_ENV_PASSTHROUGH: 'JAVA_HOME,SPARK_HOME',
    };
    await expect(createSparkSubmitExecutor({ sparkSubmit: fake, parentEnv })(request())).rejects.toThrow(TaskNotRunnableError);
    const names = readFileSync(seen, 'utf8').split('\n').map((line) => line.split('=')[0]).filter((n) => n && !['PWD', 'SHLVL', '_'].includes(n));
    expect(names.sort()).toEqual(['HOME', 'JAVA_HOME', 'PATH', 'SPARK_HOME']);
  });

  it('says what to do when spark-submit is missing', async () => {
    await expect(createSparkSubmitExecutor({ sparkSubmit: join(dir, 'missing') })(request())).rejects.toThrow(/spark-submit was not found on this machine/);
  });
});
