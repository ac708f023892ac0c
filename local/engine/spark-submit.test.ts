/** Local spark-submit: the task environment, a fake spark-submit that records argv and runs the program, keytabs, missing Spark. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installFakeSparkSubmit, type FakeSparkSubmit } from '../../test/helpers/fake-spark-submit.js';
import { AesGcmCipher, generateSecretKey } from '../../shared/api/secrets/cipher.js';
import { makeRequest, makeTask } from '../../shared/runtime/executors/test-request.js';
import { TaskFailedError, TaskNotRunnableError } from '../../shared/runtime/executors/types.js';
import { ArtifactStore } from '../../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../../shared/spark/config-groups.js';
import { createSparkExecutor } from '../../shared/spark/executor.js';
import { FsBlobStore } from '../stores/fs-blob-store.js';
import { createLocalSparkSubmit, findSparkSubmit, shellQuote } from './spark-submit.js';

describe('local spark-submit', () => {
  let dir: string;
  let fake: FakeSparkSubmit;
  let blobs: FsBlobStore;
  let groups: ConfigGroupStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-spark-'));
    fake = installFakeSparkSubmit(dir);
    blobs = new FsBlobStore(join(dir, 'blobs'));
    groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    const artifacts = new ArtifactStore(blobs);
    await artifacts.upload('code', 'show.py', Buffer.from('import json, os, sys\nprint("args:", json.dumps(sys.argv[1:]))\nprint("env:", ",".join(sorted(k for k in os.environ if not k.startswith("AIRFLOW_CTX_") and k not in ("PWD", "SHLVL", "_"))))\nsys.exit(3 if "fail" in sys.argv else 0)\n'));
    await artifacts.upload('code', 'job.jar', Buffer.from('PK'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const executor = (parentEnv: NodeJS.ProcessEnv, sparkSubmit?: string) => {
    const locate = (key: string) => blobs.pathOf(key);
    return createSparkExecutor({ groups, artifacts: new ArtifactStore(blobs), locate, localSubmit: createLocalSparkSubmit({ locate, parentEnv, ...(sparkSubmit ? { sparkSubmit } : {}) }) });
  };
  const request = (operator: string, kind: string, args: Record<string, unknown>) =>
    makeRequest({ task: makeTask({ task_id: 'spark', operator, operator_kind: kind, args: args as never }) });

  it('runs the program through spark-submit found on PATH, with the task environment only and the argv recorded', async () => {
    const parentEnv = { PATH: `${fake.binDir}:${process.env.PATH}`, HOME: '/home/ops', JAVA_HOME: '/opt/java', SKYDAG_ADMIN_PASSWORD: 'admin-pw', SKYDAG_TASK_ENV_PASSTHROUGH: 'JAVA_HOME' };
    const req = request('CouturePySparkOperator', 'couture_pyspark', { method_id: 'm1', code_artifact: 'show.py', app_name: 'App', method_args_dict: { k: 'v' } });
    await expect(executor(parentEnv)(req)).resolves.toEqual({ outcome: 'success' });
    const [argv] = fake.calls();
    expect(argv).toEqual([
      '--name', 'App', '--conf', 'spark.workflow.dagId=test_dag', '--conf', 'spark.workflow.taskId=spark',
      blobs.pathOf('spark/artifacts/code/show.py'), '{"method_id": "m1", "dag_id": "test_dag", "method_args_dict": {"k": "v"}}',
    ]);
    const log = (req.log as unknown as { output(): string }).output();
    expect(log).toContain('args: ["{\\"method_id\\": \\"m1\\", \\"dag_id\\": \\"test_dag\\", \\"method_args_dict\\": {\\"k\\": \\"v\\"}}"]');
    // (python3 may be a pyenv shim, which adds its own PYENV_* variables to the program's environment)
    const env = /env: (.*)\n/.exec(log)![1]!.split(',');
    expect(env).toEqual(expect.arrayContaining(['HOME', 'JAVA_HOME', 'PATH']));
    expect(env.filter((name) => !/^(PYENV|_PYENV|LC_CTYPE)/.test(name))).toEqual(['HOME', 'JAVA_HOME', 'PATH']);
  });

  it('a failing program fails the try; an uploaded keytab is passed as a private file and removed afterwards', async () => {
    await groups.put({ name: 'kerb', engine: { type: 'local' }, arguments: { master: 'local[2]' }, kerberos: { principal: 'etl@EXAMPLE.COM' } }, { keytab: Buffer.from('KT') });
    const parentEnv = { PATH: `${fake.binDir}:${process.env.PATH}` };
    await expect(executor(parentEnv)(request('PySparkOperator', 'pyspark', { code_artifact: 'show.py', application_arguments: ['fail'] }))).rejects.toThrow(TaskFailedError);
    const argv = fake.calls()[0]!;
    expect(argv.slice(0, 6)).toEqual(['--master', 'local[2]', '--name', 'test_dag.spark', '--principal', 'etl@EXAMPLE.COM']);
    const keytab = argv[argv.indexOf('--keytab') + 1]!;
    expect(keytab).toMatch(/skydag-keytab-.*\/principal\.keytab$/);
    expect(() => rmSync(keytab)).toThrow(); // gone
  });

  // Only root can run tasks as another user.
  (process.getuid?.() === 0 ? it : it.skip)('with SKYDAG_TASK_USER, the keytab belongs to the task user, private, and spark-submit (as that user) reads it', async () => {
    await groups.put({ name: 'kerb', engine: { type: 'local' }, arguments: { master: 'local[2]' }, kerberos: { principal: 'etl@EXAMPLE.COM' } }, { keytab: Buffer.from('KEYTAB-BYTES') });
    // A spark-submit the task user can run, in a folder it can enter: prints who it is and the keytab's owner, mode and content.
    const shared = mkdtempSync(join(tmpdir(), 'skydag-spark-user-'));
    chmodSync(shared, 0o755);
    const submit = join(shared, 'spark-submit');
    writeFileSync(submit, '#!/bin/bash\nwhile [ "$1" != "--keytab" ]; do shift; done\necho "user=$(id -un) owner=$(stat -c %U:%a "$2") content=$(cat "$2")"\n', { mode: 0o755 });
    try {
      const req = request('SparkOperator', 'spark', { code_artifact: 'job.jar', config_group: 'kerb' });
      await expect(executor({ PATH: '/usr/bin:/bin', SKYDAG_TASK_USER: 'nobody' }, submit)(req)).resolves.toEqual({ outcome: 'success' });
      expect((req.log as unknown as { output(): string }).output()).toContain('user=nobody owner=nobody:600 content=KEYTAB-BYTES');
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('finds $SPARK_HOME/bin/spark-submit, and says what to do when there is none', async () => {
    expect(findSparkSubmit({ parentEnv: { PATH: '/usr/bin:/bin', SPARK_HOME: dir } })).toBe(fake.path);
    const req = request('SparkOperator', 'spark', { code_artifact: 'job.jar', class_path: 'a.Main' });
    await expect(executor({ PATH: '/nonexistent' })(req)).rejects.toThrow(TaskNotRunnableError);
    await expect(executor({ PATH: '/nonexistent', SPARK_HOME: '/opt/nospark' })(req)).rejects.toThrow(
      /spark-submit was not found on PATH, and \$SPARK_HOME\/bin\/spark-submit \(\/opt\/nospark\) does not exist/,
    );
  });

  it('quotes arguments for the shell exactly', () => {
    expect(shellQuote('--conf')).toBe('--conf');
    expect(shellQuote(`{"a": "it's $HOME"}`)).toBe(`'{"a": "it'\\''s $HOME"}'`);
  });
});
