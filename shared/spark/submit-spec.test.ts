/** One submission, rendered for every engine: exact spark-submit argv, EMR step, EMR Serverless job run and Livy body. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import type { PyValue } from '../model/schema.js';
import { makeTask } from '../runtime/executors/test-request.js';
import { ArtifactStore } from './artifacts.js';
import { ConfigGroupStore } from './config-groups.js';
import { EMR_PYTHON_PROGRAM_SCRIPT, clientToken, emrServerlessJobRun, emrStep, livyBatch, programPython, sparkSubmitArgs } from './render.js';
import { buildSparkSubmitSpec, coutureJsonArgument } from './submit-spec.js';

const S3 = (key: string) => `s3://skydag-artifacts/${key}`;
const LOCAL = (key: string) => `/state/blobs/${key}`;

describe('Spark submit spec', () => {
  let dir: string;
  let groups: ConfigGroupStore;
  let artifacts: ArtifactStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skydag-spec-'));
    const blobs = new FsBlobStore(dir);
    groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()), () => new Date('2024-01-01T00:00:00Z'));
    artifacts = new ArtifactStore(blobs);
    for (const name of ['spark-examples_2.11-2.3.1.jar', 'couture.jar', 'pi.py', 'Ratings.py']) await artifacts.upload('code', name, Buffer.from('x'));
    for (const name of ['deps.jar', 'helpers.zip']) await artifacts.upload('dependency', name, Buffer.from('x'));
    await groups.put({
      name: 'config_group_1',
      engine: { type: 'local' },
      arguments: { master: 'yarn', 'deploy-mode': 'client', jars: 'deps.jar', 'executor-memory': '2g', 'num-executors': '4', queue: 'etl' },
      configurations: { 'spark.scheduler.mode': 'FAIR', 'spark.yarn.appMasterEnv.PYSPARK_PYTHON': '/opt/py/bin/python' },
    });
    await groups.put({
      name: 'secure',
      engine: { type: 'local' },
      arguments: { master: 'local[1]', 'py-files': 'helpers.zip' },
      configurations: { 'spark.dynamicAllocation.enabled': 'true' },
      hadoop: { 'core-site.xml': [{ name: 'fs.defaultFS', value: 'hdfs://nn:8020' }], 'yarn-site.xml': [{ name: 'yarn.resourcemanager.address', value: 'rm:8032' }] },
      kerberos: { principal: 'etl@EXAMPLE.COM', keytab_path: '/etc/security/etl.keytab' },
    }, { keytab: Buffer.from('KEYTAB') });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const spec = async (operator: string, kind: string, args: Record<string, PyValue>, group?: string) =>
    buildSparkSubmitSpec({ dagId: 'video_embedding_dag', task: makeTask({ task_id: 'LoadData', operator, operator_kind: kind, args }), args, group: await groups.resolve(group), artifacts });

  const couture = {
    method_id: 'LoadData',
    app_name: 'FunWithSpark',
    class_path: 'org.apache.spark.examples.SparkPi',
    code_artifact: 'spark-examples_2.11-2.3.1.jar',
    input_base_dir_path: '/usr/local/couture/input/',
    output_base_dir_path: '/usr/local/couture/processed/',
    output_filenames_dict: { tags_file: 'video_tags.csv' },
    input_filenames_dict: { tags_file: 'video_tags.csv' },
    method_args_dict: { task_strategy: 'parallel' },
  };
  // The manual's "final output", key for key (Python's json.dumps of the dict).
  const MANUAL_JSON =
    '{"method_id": "LoadData", "dag_id": "video_embedding_dag", "method_args_dict": {"task_strategy": "parallel"}, "input_base_dir_path": "/usr/local/couture/input/", "output_base_dir_path": "/usr/local/couture/processed/", "input_filenames_dict": {"tags_file": "video_tags.csv"}, "output_filenames_dict": {"tags_file": "video_tags.csv"}}';

  it("writes the Couture JSON argument exactly as the manual's example", () => {
    expect(coutureJsonArgument('video_embedding_dag', couture)).toBe(MANUAL_JSON);
    expect(coutureJsonArgument('d', { method_id: 'm', method_args_dict: { 'naïve': [1, 2.5, true, null] } })).toBe('{"method_id": "m", "dag_id": "d", "method_args_dict": {"na\\u00efve": [1, 2.5, true, null]}}');
  });

  it('CoutureSparkOperator with the default group: spark-submit argv', async () => {
    expect(sparkSubmitArgs(await spec('CoutureSparkOperator', 'couture_spark', couture), LOCAL)).toEqual([
      '--master', 'yarn', '--deploy-mode', 'client', '--executor-memory', '2g', '--num-executors', '4', '--queue', 'etl',
      '--name', 'FunWithSpark', '--class', 'org.apache.spark.examples.SparkPi',
      '--jars', '/state/blobs/spark/artifacts/dependency/deps.jar',
      '--conf', 'spark.scheduler.mode=FAIR', '--conf', 'spark.yarn.appMasterEnv.PYSPARK_PYTHON=/opt/py/bin/python',
      '--conf', 'spark.workflow.dagId=video_embedding_dag', '--conf', 'spark.workflow.taskId=LoadData',
      '/state/blobs/spark/artifacts/code/spark-examples_2.11-2.3.1.jar', MANUAL_JSON,
    ]);
  });

  it('CoutureSparkOperator with a group override, Kerberos and Hadoop XML: argv, EMR step, EMR Serverless, Livy', async () => {
    const s = await spec('CoutureSparkOperator', 'couture_spark', { ...couture, config_group: 'secure' }, 'secure');
    expect(sparkSubmitArgs(s, LOCAL, { keytabPath: '/tmp/k/principal.keytab' })).toEqual([
      '--master', 'local[1]', '--name', 'FunWithSpark', '--class', 'org.apache.spark.examples.SparkPi',
      '--py-files', '/state/blobs/spark/artifacts/dependency/helpers.zip',
      '--principal', 'etl@EXAMPLE.COM', '--keytab', '/tmp/k/principal.keytab',
      '--conf', 'spark.dynamicAllocation.enabled=true', '--conf', 'spark.hadoop.fs.defaultFS=hdfs://nn:8020',
      '--conf', 'spark.hadoop.yarn.resourcemanager.address=rm:8032',
      '--conf', 'spark.workflow.dagId=video_embedding_dag', '--conf', 'spark.workflow.taskId=LoadData',
      '/state/blobs/spark/artifacts/code/spark-examples_2.11-2.3.1.jar', MANUAL_JSON,
    ]);
    expect(emrStep(s, S3)).toEqual({
      Name: 'FunWithSpark',
      ActionOnFailure: 'CONTINUE',
      HadoopJarStep: {
        Jar: 'command-runner.jar',
        Args: [
          'spark-submit', '--master', 'local[1]', '--deploy-mode', 'cluster', '--name', 'FunWithSpark', '--class', 'org.apache.spark.examples.SparkPi',
          '--py-files', 's3://skydag-artifacts/spark/artifacts/dependency/helpers.zip',
          '--principal', 'etl@EXAMPLE.COM', '--keytab', '/etc/security/etl.keytab',
          '--conf', 'spark.dynamicAllocation.enabled=true', '--conf', 'spark.hadoop.fs.defaultFS=hdfs://nn:8020',
          '--conf', 'spark.hadoop.yarn.resourcemanager.address=rm:8032',
          '--conf', 'spark.workflow.dagId=video_embedding_dag', '--conf', 'spark.workflow.taskId=LoadData',
          's3://skydag-artifacts/spark/artifacts/code/spark-examples_2.11-2.3.1.jar', MANUAL_JSON,
        ],
      },
    });
    const ref = { dag_id: 'video_embedding_dag', run_id: 'manual__1', task_id: 'LoadData', try_number: 2 };
    expect(emrServerlessJobRun(s, S3, { application_id: '00f1abcdefgh1234', execution_role_arn: 'arn:aws:iam::123456789012:role/spark', log_uri: 's3://logs/spark/' }, ref)).toEqual({
      ApplicationId: '00f1abcdefgh1234',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/spark',
      ClientToken: clientToken(ref),
      Name: 'FunWithSpark',
      JobDriver: {
        SparkSubmit: {
          EntryPoint: 's3://skydag-artifacts/spark/artifacts/code/spark-examples_2.11-2.3.1.jar',
          EntryPointArguments: [MANUAL_JSON],
          SparkSubmitParameters: '--class org.apache.spark.examples.SparkPi --py-files s3://skydag-artifacts/spark/artifacts/dependency/helpers.zip',
        },
      },
      ConfigurationOverrides: {
        ApplicationConfiguration: [
          {
            Classification: 'spark-defaults',
            Properties: {
              'spark.kerberos.principal': 'etl@EXAMPLE.COM',
              'spark.kerberos.keytab': '/etc/security/etl.keytab',
              'spark.app.name': 'FunWithSpark',
              'spark.dynamicAllocation.enabled': 'true',
              'spark.hadoop.fs.defaultFS': 'hdfs://nn:8020',
              'spark.hadoop.yarn.resourcemanager.address': 'rm:8032',
              'spark.workflow.dagId': 'video_embedding_dag',
              'spark.workflow.taskId': 'LoadData',
            },
          },
        ],
        MonitoringConfiguration: { S3MonitoringConfiguration: { LogUri: 's3://logs/spark/' } },
      },
    });
    expect(livyBatch(s, S3, { proxyUser: 'etl' })).toEqual({
      file: 's3://skydag-artifacts/spark/artifacts/code/spark-examples_2.11-2.3.1.jar',
      className: 'org.apache.spark.examples.SparkPi',
      args: [MANUAL_JSON],
      pyFiles: ['s3://skydag-artifacts/spark/artifacts/dependency/helpers.zip'],
      name: 'FunWithSpark',
      proxyUser: 'etl',
      conf: {
        'spark.kerberos.principal': 'etl@EXAMPLE.COM',
        'spark.kerberos.keytab': '/etc/security/etl.keytab',
        'spark.dynamicAllocation.enabled': 'true',
        'spark.hadoop.fs.defaultFS': 'hdfs://nn:8020',
        'spark.hadoop.yarn.resourcemanager.address': 'rm:8032',
        'spark.workflow.dagId': 'video_embedding_dag',
        'spark.workflow.taskId': 'LoadData',
      },
    });
  });

  it('SparkOperator passes application_arguments positionally; Livy maps flags to its fields', async () => {
    const s = await spec('SparkOperator', 'spark', { app_name: 'Pi', class_path: 'org.apache.spark.examples.SparkPi', code_artifact: 'spark-examples_2.11-2.3.1.jar', application_arguments: ['10', 3] });
    expect(s.args).toEqual(['10', '3']);
    expect(livyBatch(s, S3)).toEqual({
      file: 's3://skydag-artifacts/spark/artifacts/code/spark-examples_2.11-2.3.1.jar',
      className: 'org.apache.spark.examples.SparkPi',
      args: ['10', '3'],
      jars: ['s3://skydag-artifacts/spark/artifacts/dependency/deps.jar'],
      name: 'Pi',
      queue: 'etl',
      executorMemory: '2g',
      numExecutors: 4,
      conf: {
        'spark.scheduler.mode': 'FAIR',
        'spark.yarn.appMasterEnv.PYSPARK_PYTHON': '/opt/py/bin/python',
        'spark.workflow.dagId': 'video_embedding_dag',
        'spark.workflow.taskId': 'LoadData',
      },
    });
  });

  it('PySparkOperator and CouturePySparkOperator: the .py file, no --class, python_conf, exclude_spark_args', async () => {
    const plain = await spec('PySparkOperator', 'pyspark', { app_name: 'Stats', code_artifact: 'pi.py', application_arguments: [] });
    expect(sparkSubmitArgs(plain, LOCAL).slice(-2)).toEqual(['spark.workflow.taskId=LoadData', '/state/blobs/spark/artifacts/code/pi.py']);
    expect(sparkSubmitArgs(plain, LOCAL)).not.toContain('--class');
    const s = await spec('CouturePySparkOperator', 'couture_pyspark', {
      method_id: 'Get_Ratings_Data', app_name: 'FunWithPySpark', code_artifact: 'Ratings.py', python_conf: 'spark.yarn.appMasterEnv.PYSPARK_PYTHON', exclude_spark_args: ['jars', 'queue'],
    });
    const argv = sparkSubmitArgs(s, LOCAL);
    expect(argv).toEqual([
      '--master', 'yarn', '--deploy-mode', 'client', '--executor-memory', '2g', '--num-executors', '4',
      '--name', 'FunWithPySpark',
      '--conf', 'spark.scheduler.mode=FAIR', '--conf', 'spark.yarn.appMasterEnv.PYSPARK_PYTHON=/opt/py/bin/python',
      '--conf', 'spark.pyspark.python=/opt/py/bin/python',
      '--conf', 'spark.workflow.dagId=video_embedding_dag', '--conf', 'spark.workflow.taskId=LoadData',
      '/state/blobs/spark/artifacts/code/Ratings.py', '{"method_id": "Get_Ratings_Data", "dag_id": "video_embedding_dag"}',
    ]);
    expect(s.env).toEqual({ PYSPARK_PYTHON: '/opt/py/bin/python' });
  });

  // The Python variants with a group override, Kerberos and Hadoop XML, on every engine (issue 11's acceptance).
  const PY_SECURE: [string, string, Record<string, PyValue>, string, string[]][] = [
    ['PySparkOperator', 'pyspark', { app_name: 'Stats', code_artifact: 'pi.py', application_arguments: ['--day', '2024-01-02'] }, 'pi.py', ['--day', '2024-01-02']],
    [
      'CouturePySparkOperator',
      'couture_pyspark',
      { method_id: 'Get_Ratings_Data', app_name: 'Stats', code_artifact: 'Ratings.py', method_args_dict: { top: 5 } },
      'Ratings.py',
      ['{"method_id": "Get_Ratings_Data", "dag_id": "video_embedding_dag", "method_args_dict": {"top": 5}}'],
    ],
  ];
  it.each(PY_SECURE)('%s with a group override, Kerberos and Hadoop XML: argv, EMR step, EMR Serverless, Livy', async (operator, kind, args, program, programArgs) => {
    const s = await spec(operator, kind, { ...args, config_group: 'secure' }, 'secure');
    const confs = ['spark.dynamicAllocation.enabled=true', 'spark.hadoop.fs.defaultFS=hdfs://nn:8020', 'spark.hadoop.yarn.resourcemanager.address=rm:8032', 'spark.workflow.dagId=video_embedding_dag', 'spark.workflow.taskId=LoadData'];
    const confArgs = confs.flatMap((c) => ['--conf', c]);
    expect(sparkSubmitArgs(s, LOCAL, { keytabPath: '/tmp/k/principal.keytab' })).toEqual([
      '--master', 'local[1]', '--name', 'Stats', '--py-files', LOCAL('spark/artifacts/dependency/helpers.zip'),
      '--principal', 'etl@EXAMPLE.COM', '--keytab', '/tmp/k/principal.keytab', ...confArgs, LOCAL(`spark/artifacts/code/${program}`), ...programArgs,
    ]);
    expect(emrStep(s, S3).HadoopJarStep).toEqual({
      Jar: 'command-runner.jar',
      Args: [
        'spark-submit', '--master', 'local[1]', '--deploy-mode', 'cluster', '--name', 'Stats', '--py-files', S3('spark/artifacts/dependency/helpers.zip'),
        '--principal', 'etl@EXAMPLE.COM', '--keytab', '/etc/security/etl.keytab', ...confArgs, S3(`spark/artifacts/code/${program}`), ...programArgs,
      ],
    });
    const properties = Object.fromEntries(confs.map((c) => c.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const ref = { dag_id: 'video_embedding_dag', run_id: 'manual__1', task_id: 'LoadData', try_number: 1 };
    expect(emrServerlessJobRun(s, S3, { application_id: 'app-1', execution_role_arn: 'arn:aws:iam::123456789012:role/spark' }, ref)).toMatchObject({
      ClientToken: clientToken(ref),
      JobDriver: { SparkSubmit: { EntryPoint: S3(`spark/artifacts/code/${program}`), EntryPointArguments: programArgs, SparkSubmitParameters: `--py-files ${S3('spark/artifacts/dependency/helpers.zip')}` } },
      ConfigurationOverrides: {
        ApplicationConfiguration: [{ Classification: 'spark-defaults', Properties: { 'spark.kerberos.principal': 'etl@EXAMPLE.COM', 'spark.kerberos.keytab': '/etc/security/etl.keytab', 'spark.app.name': 'Stats', ...properties } }],
      },
    });
    expect(livyBatch(s, S3)).toEqual({
      file: S3(`spark/artifacts/code/${program}`),
      args: programArgs,
      pyFiles: [S3('spark/artifacts/dependency/helpers.zip')],
      name: 'Stats',
      conf: { 'spark.kerberos.principal': 'etl@EXAMPLE.COM', 'spark.kerberos.keytab': '/etc/security/etl.keytab', ...properties },
    });
  });

  it('refuses what cannot be submitted, naming what to do', async () => {
    await expect(spec('SparkOperator', 'spark', { code_artifact: 'missing.jar' })).rejects.toThrow(/code artifact 'missing.jar' has not been uploaded \(skydag artifacts upload missing.jar/);
    await expect(spec('PySparkOperator', 'pyspark', { code_artifact: 'couture.jar' })).rejects.toThrow(/must be a .py file/);
    await expect(spec('PySparkOperator', 'pyspark', { code_artifact: 'pi.py', python_conf: 'nope' })).rejects.toThrow(/python_conf 'nope' is not a Configuration of config group 'config_group_1'/);
    await expect(spec('SparkOperator', 'spark', { code_artifact: 'couture.jar' }, 'absent')).rejects.toThrow(/config group 'absent' does not exist/);
  });

  it('CoutureDaskYarnOperator and the TensorFlow pair run their .py program with the JSON argument: python argv locally, a command-runner step on EMR', async () => {
    const dask = await spec('CoutureDaskYarnOperator', 'couture_dask_yarn', { method_id: 'Cluster', app_name: 'DaskJob', code_artifact: 'pi.py', method_args_dict: { k: 3 } });
    expect(dask).toMatchObject({ runner: 'python', language: 'python', appName: 'DaskJob', application: 'spark/artifacts/code/pi.py', args: ['{"method_id": "Cluster", "dag_id": "video_embedding_dag", "method_args_dict": {"k": 3}}'] });
    expect(emrStep(dask, S3)).toEqual({
      Name: 'DaskJob',
      ActionOnFailure: 'CONTINUE',
      HadoopJarStep: { Jar: 'command-runner.jar', Args: ['bash', '-c', EMR_PYTHON_PROGRAM_SCRIPT, 'skydag-program', 'python3', 's3://skydag-artifacts/spark/artifacts/code/pi.py', dask.args[0]] },
    });
    const tf = await spec('TensorflowOperator', 'tensorflow', { code_artifact: 'Ratings.py', application_arguments: '--epochs 3' });
    expect(tf).toMatchObject({ runner: 'python', args: ['--epochs 3'] });
    const couturetf = await spec('CoutureTensorflowOperator', 'couture_tensorflow', { method_id: 'Train', code_artifact: 'Ratings.py', python_conf: 'spark.yarn.appMasterEnv.PYSPARK_PYTHON' });
    expect(couturetf.args).toEqual(['{"method_id": "Train", "dag_id": "video_embedding_dag"}']);
    // The group's python_conf picks the interpreter, on EMR too.
    expect(programPython(couturetf)).toBe('/opt/py/bin/python');
    expect(emrStep(couturetf, S3).HadoopJarStep.Args[4]).toBe('/opt/py/bin/python');
    await expect(spec('TensorflowOperator', 'tensorflow', { code_artifact: 'couture.jar' })).rejects.toThrow(/is a Python program and must be a .py file/);
  });

  it('the EMR program script copies the program and passes the arguments verbatim (no shell splicing)', () => {
    const bin = mkdtempSync(join(tmpdir(), 'skydag-emr-script-'));
    try {
      // A stand-in `aws s3 cp` that copies from a local path, and the real bash running the step's script. Only what
      // the step gets is passed on: an inherited BASH_ENV or exported shell function could otherwise pick another `aws`.
      writeFileSync(join(bin, 'aws'), '#!/bin/sh\ncp "$4" "$5"\n', { mode: 0o755 });
      const program = join(bin, 'prog.py');
      writeFileSync(program, 'import json, sys\nprint(json.dumps(sys.argv[1:]))\n');
      const hostile = '{"a": "$(touch /tmp/pwned-skydag) \\"q\\" ;"}';
      const out = execFileSync('bash', ['-c', EMR_PYTHON_PROGRAM_SCRIPT, 'skydag-program', 'python3', program, hostile, 'two words'], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin } }).toString();
      expect(JSON.parse(out)).toEqual([hostile, 'two words']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('a ClientToken is stable per try and differs between tries', () => {
    const a = clientToken({ dag_id: 'd', run_id: 'r', task_id: 't', try_number: 1 });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(clientToken({ dag_id: 'd', run_id: 'r', task_id: 't', try_number: 1 })).toBe(a);
    expect(clientToken({ dag_id: 'd', run_id: 'r', task_id: 't', try_number: 2 })).not.toBe(a);
  });
});
