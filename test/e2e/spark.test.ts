/**
 * Spark end to end, as a user runs it: artifacts and config groups set up with the CLI, then
 * `skydag dags test` runs the manual's Spark examples with a fake spark-submit on PATH (recording
 * argv, running the Python programs), on a fake Livy server (a dead batch, then a retry) and on fake
 * EMR / EMR Serverless endpoints (exact requests, a failed step).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeEmr, type FakeEmr } from '../helpers/fake-emr.js';
import { startFakeLivy, type FakeLivy } from '../helpers/fake-livy.js';
import { installFakeSparkSubmit, type FakeSparkSubmit } from '../helpers/fake-spark-submit.js';
import { main } from '../../local/cli/main.js';
import { cli, useTemporarySkydagHome, type DagsTestJson } from './support.js';

const temp = useTemporarySkydagHome();
const FIXTURES = join(__dirname, '../fixtures/spark');
const MANUAL = join(__dirname, '../fixtures/dags/manual');
const EXAMPLES = join(__dirname, '../../examples/dags');
const PROGRAM = 'import json, sys\nprint("program got", json.dumps(sys.argv[1:]))\n';
let fake: FakeSparkSubmit;
let work: string;
let livy: FakeLivy | undefined;
const previousPath = process.env.PATH;

beforeAll(async () => {
  work = temp.make('skydag-spark-e2e-');
  fake = installFakeSparkSubmit(work);
  process.env.PATH = `${fake.binDir}:${previousPath}`;
  for (const [name, body] of Object.entries({ 'video-pipeline_2.11-1.4.0.jar': 'PK', 'spark-examples_2.11-2.3.1.jar': 'PK', 'embeddings.py': PROGRAM, 'pi.py': PROGRAM, 'Ratings.py': PROGRAM, 'History.py': PROGRAM, 'deps.jar': 'PK', 'etl.keytab': 'KEYTAB' })) {
    writeFileSync(join(work, name), body);
  }
  for (const name of ['video-pipeline_2.11-1.4.0.jar', 'spark-examples_2.11-2.3.1.jar', 'embeddings.py', 'pi.py', 'Ratings.py', 'History.py']) {
    expect((await cli(['artifacts', 'upload', join(work, name)])).code).toBe(0);
  }
  expect((await cli(['artifacts', 'upload', join(work, 'deps.jar'), '--kind', 'dependency'])).code).toBe(0);
  const group = (name: string, body: object) => {
    writeFileSync(join(work, `${name}.json`), JSON.stringify({ name, ...body }));
    return join(work, `${name}.json`);
  };
  expect((await cli(['config-groups', 'import', group('default', { engine: { type: 'local' }, arguments: { master: 'local[2]', jars: 'deps.jar' }, configurations: { 'spark.scheduler.mode': 'FAIR' } })])).code).toBe(0);
  const secure = group('secure', {
    engine: { type: 'local' },
    arguments: { master: 'yarn', 'deploy-mode': 'client', 'executor-memory': '2g' },
    hadoop: { 'core-site.xml': [{ name: 'fs.defaultFS', value: 'hdfs://nn:8020' }] },
    kerberos: { principal: 'etl@EXAMPLE.COM' },
  });
  expect(await cli(['config-groups', 'import', secure, '--keytab', join(work, 'etl.keytab')])).toMatchObject({ code: 0, out: "imported config group 'secure'\n" });
});
afterAll(async () => {
  process.env.PATH = previousPath;
  await livy?.close();
});

const dagsTest = async (dagId: string, date: string, folder = FIXTURES) => {
  const result = await cli(['dags', 'test', dagId, date, '--dags-folder', folder, '--output', 'json']);
  expect(result.err).toBe('');
  return { code: result.code, run: JSON.parse(result.out) as DagsTestJson };
};
const jar = (name: string) => join(process.env.SKYDAG_HOME!, 'blobs/spark/artifacts/code', name);
const DEPS = join('blobs/spark/artifacts/dependency/deps.jar');

describe('Spark tasks with a local spark-submit', () => {
  it('runs the Couture pipeline with the default group: --class, --name, the artifact, the group and the JSON argument, templates rendered', async () => {
    const before = fake.calls().length;
    const { code, run } = await dagsTest('video_embedding_dag', '2024-01-02', EXAMPLES);
    expect(code).toBe(0);
    expect(run.task_instances.map((t) => [t.task_id, t.state])).toEqual([['LoadData', 'success'], ['GenerateEmbeddings', 'success'], ['ComputeSimilarity', 'success'], ['Notify', 'success']]);
    const calls = fake.calls().slice(before);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toEqual([
      '--master', 'local[2]', '--name', 'VideoEmbedding', '--class', 'ai.couture.obelisk.video.MainClass',
      '--jars', join(process.env.SKYDAG_HOME!, DEPS),
      '--conf', 'spark.scheduler.mode=FAIR', '--conf', 'spark.workflow.dagId=video_embedding_dag', '--conf', 'spark.workflow.taskId=LoadData',
      jar('video-pipeline_2.11-1.4.0.jar'),
      '{"method_id": "LoadData", "dag_id": "video_embedding_dag", "method_args_dict": {"task_strategy": "parallel", "run_date": "2024-01-02"}, "input_base_dir_path": "/usr/local/couture/input/", "output_base_dir_path": "/usr/local/couture/processed/", "input_filenames_dict": {"tags_file": "video_tags.csv"}, "output_filenames_dict": {"tags_file": "video_tags_20240102.parquet"}}',
    ]);
    // The PySpark program ran and got its JSON argument; its output is in the task log.
    expect(calls[1]!.at(-2)).toBe(jar('embeddings.py'));
    const logFile = join(process.env.SKYDAG_HOME!, 'logs/dag_id=video_embedding_dag', `run_id=${run.run_id}`, 'task_id=GenerateEmbeddings/attempt=1.log');
    expect(readFileSync(logFile, 'utf8')).toContain('program got ["{\\"method_id\\": \\"GenerateEmbeddings\\", \\"dag_id\\": \\"video_embedding_dag\\", \\"method_args_dict\\": {\\"dimensions\\": 128}');
  }, 60_000);

  const MANUAL_JSON = '{"method_id": "LoadData", "dag_id": "CoutureSparkOperatorExample", "method_args_dict": {"task_strategy": "parallel"}, "input_base_dir_path": "/usr/local/couture/input/", "output_base_dir_path": "/usr/local/couture/processed/", "input_filenames_dict": {"tags_file": "video_tags.csv"}, "output_filenames_dict": {"tags_file": "video_tags.csv"}}';
  const GROUP_ARGS = ['--master', 'local[2]'];
  const JARS = () => ['--jars', join(process.env.SKYDAG_HOME!, DEPS)];
  const CONF = (dagId: string, taskId: string) => ['--conf', 'spark.scheduler.mode=FAIR', '--conf', `spark.workflow.dagId=${dagId}`, '--conf', `spark.workflow.taskId=${taskId}`];
  it.each([
    ['SparkOperatorExample', () => [[...GROUP_ARGS, '--name', 'SparkPiExample', '--class', 'org.apache.spark.examples.SparkPi', ...JARS(), ...CONF('SparkOperatorExample', 'LoadData'), jar('spark-examples_2.11-2.3.1.jar')]]],
    ['CoutureSparkOperatorExample', () => [[...GROUP_ARGS, '--name', 'VideoEmbedding', '--class', 'org.apache.spark.examples.SparkPi', ...JARS(), ...CONF('CoutureSparkOperatorExample', 'LoadData'), jar('spark-examples_2.11-2.3.1.jar'), MANUAL_JSON]]],
    ['PySparkOperatorExample', () => [[...GROUP_ARGS, '--name', 'PiStats', ...JARS(), ...CONF('PySparkOperatorExample', 'StatsGeneration'), jar('pi.py')]]],
    ['CouturePySparkOperatorExample', () => [[...GROUP_ARGS, '--name', 'PiStats', ...JARS(), ...CONF('CouturePySparkOperatorExample', 'StatsGeneration'), jar('pi.py'), MANUAL_JSON.replace('"LoadData", "dag_id": "CoutureSparkOperatorExample"', '"StatsGeneration", "dag_id": "CouturePySparkOperatorExample"')]]],
    ['PySpark', () => [
      [...GROUP_ARGS, '--name', 'FunWithPySpark', ...JARS(), ...CONF('PySpark', 'Get_Ratings_Data'), jar('Ratings.py'), '{"method_id": "Get_Ratings_Data", "dag_id": "PySpark"}'],
      [...GROUP_ARGS, '--name', 'FunWithPySpark', ...JARS(), ...CONF('PySpark', 'Get_Ratings_History'), jar('History.py'), '{"method_id": "Get_Ratings_History", "dag_id": "PySpark"}'],
    ]],
  ])("runs the manual's %s example: the exact spark-submit argv", async (dagId, expected) => {
    const before = fake.calls().length;
    const { code, run } = await dagsTest(dagId, '2024-01-02', MANUAL);
    expect(code).toBe(0);
    expect(run.state).toBe('success');
    expect(fake.calls().slice(before)).toEqual(expected());
  }, 60_000);

  it('a task naming a group gets its arguments, Kerberos (the uploaded keytab as a private file) and Hadoop properties', async () => {
    const before = fake.calls().length;
    const { code, run } = await dagsTest('group_override', '2024-01-02');
    expect(code).toBe(0);
    // The try records which group (and which version of it) it ran with.
    const used = run.task_instances.find((t) => t.task_id === 'SecureLoad')!.config_group!;
    expect(used).toEqual({ name: 'secure', version: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const [secure] = fake.calls().slice(before);
    const keytab = secure![secure!.indexOf('--keytab') + 1]!;
    expect(keytab).toMatch(/skydag-keytab-[^/]+\/principal\.keytab$/);
    expect(secure).toEqual([
      '--master', 'yarn', '--deploy-mode', 'client', '--executor-memory', '2g', '--name', 'FunWithSpark', '--class', 'org.apache.spark.examples.SparkPi',
      '--principal', 'etl@EXAMPLE.COM', '--keytab', keytab,
      '--conf', 'spark.hadoop.fs.defaultFS=hdfs://nn:8020', '--conf', 'spark.workflow.dagId=group_override', '--conf', 'spark.workflow.taskId=SecureLoad',
      jar('spark-examples_2.11-2.3.1.jar'), '{"method_id": "LoadData", "dag_id": "group_override", "method_args_dict": {"task_strategy": "parallel"}, "input_base_dir_path": "/usr/local/couture/input/"}',
    ]);
  }, 60_000);
});

describe('Couture Python-program operators (Dask on YARN, TensorFlow)', () => {
  it('run their .py artifact with Python and the JSON argument (rendered), not spark-submit', async () => {
    const before = fake.calls().length;
    const { code, run } = await dagsTest('python_programs', '2024-01-02');
    expect(code).toBe(0);
    expect(run.task_instances.map((t) => [t.task_id, t.state])).toEqual([['Cluster', 'success'], ['Train', 'success'], ['Score', 'success']]);
    expect(fake.calls().slice(before)).toEqual([]);
    const log = (task: string) => readFileSync(join(process.env.SKYDAG_HOME!, 'logs/dag_id=python_programs', `run_id=${run.run_id}`, `task_id=${task}/attempt=1.log`), 'utf8');
    expect(log('Cluster')).toContain('program got ["{\\"method_id\\": \\"Cluster\\", \\"dag_id\\": \\"python_programs\\", \\"method_args_dict\\": {\\"k\\": 3, \\"day\\": \\"2024-01-02\\"}}"]');
    expect(log('Train')).toContain('program got ["{\\"method_id\\": \\"Train\\", \\"dag_id\\": \\"python_programs\\"}"]');
    expect(log('Score')).toContain('program got ["--epochs 3"]');
  }, 60_000);
});

describe('models= on a Couture operator', () => {
  it('hands the program the named model versions in its JSON argument; a version that does not exist fails the try', async () => {
    for (const [name, body] of [['churn', 'v1'], ['churn', 'v2'], ['scaler', 's1']]) {
      writeFileSync(join(work, `${name}.bin`), body!);
      expect((await cli(['models', 'upload', join(work, `${name}.bin`), '--name', name!, '--flavor', 'other'])).code).toBe(0);
    }
    const { code, run } = await dagsTest('model_arguments', '2024-01-02');
    expect(code).not.toBe(0);
    expect(run.task_instances.map((t) => [t.task_id, t.state]).sort()).toEqual([['Missing', 'failed'], ['Score', 'success']]);
    const log = (task: string) => readFileSync(join(process.env.SKYDAG_HOME!, 'logs/dag_id=model_arguments', `run_id=${run.run_id}`, `task_id=${task}/attempt=1.log`), 'utf8');
    const argument = JSON.parse(JSON.parse(/program got (.*)/.exec(log('Score'))![1]!)[0]) as { models: Record<string, { name: string; version: number; uri: string }> };
    expect(argument.models).toEqual({
      churn: expect.objectContaining({ name: 'churn', version: 1, uri: expect.stringMatching(/churn/) }),
      scaler: expect.objectContaining({ name: 'scaler', version: 1 }),
    });
    expect(log('Missing')).toMatch(/model churn version 9 does not exist/);
  }, 60_000);
});

describe('Spark tasks on Livy', () => {
  it('a dead batch fails the try with its last log lines; the retry submits a new batch that succeeds', async () => {
    livy = await startFakeLivy((_body, n) => (n === 0 ? { states: ['starting', 'running', 'dead'], log: ['starting driver', 'java.lang.OutOfMemoryError: Java heap space'] } : { states: ['running', 'success'], log: ['ok'] }), { username: 'etl', password: 'livy-pw' });
    writeFileSync(join(work, 'livy.json'), JSON.stringify({ name: 'livy', engine: { type: 'livy', url: livy.url, auth: 'basic', username: 'etl', poll_interval_seconds: 1, artifact_uri: 'hdfs:///apps/skydag/' }, arguments: { queue: 'etl', 'num-executors': '3' } }));
    const io = { out: () => undefined, err: (t: string) => expect(t).toBe('') };
    expect(await main(['config-groups', 'import', join(work, 'livy.json'), '--livy-password-stdin'], io, { readStdin: async () => 'livy-pw\n' })).toBe(0);

    const { code, run } = await dagsTest('livy_dag', '2024-01-02');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'Score', state: 'success', try_number: 2 }]);
    const posts = livy.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[0]!.body).toEqual({
      file: 'hdfs:///apps/skydag/code/Ratings.py',
      args: ['{"method_id": "Score", "dag_id": "livy_dag", "output_filenames_dict": {"scores": "scores_20240102.parquet"}}'],
      name: 'Scoring',
      queue: 'etl',
      numExecutors: 3,
      conf: { 'spark.workflow.dagId': 'livy_dag', 'spark.workflow.taskId': 'Score' },
    });
    expect(posts[1]!.body).toEqual(posts[0]!.body);
    const logs = join(process.env.SKYDAG_HOME!, 'logs/dag_id=livy_dag', `run_id=${run.run_id}`, 'task_id=Score');
    expect(readFileSync(join(logs, 'attempt=1.log'), 'utf8')).toMatch(/Livy batch 0 ended dead; last log lines:\nstarting driver\njava.lang.OutOfMemoryError: Java heap space/);
    expect(readFileSync(join(logs, 'attempt=2.log'), 'utf8')).toContain('Livy batch 1 succeeded');
    // The Livy password reached the server, never a log.
    expect(readFileSync(join(logs, 'attempt=1.log'), 'utf8')).not.toContain('livy-pw');
  }, 60_000);
});

describe('Spark tasks on EMR and EMR Serverless (fake endpoints that follow the services\' protocols)', () => {
  let emr: FakeEmr;
  const AWS_NAMES = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_EMR', 'AWS_ENDPOINT_URL_EMR_SERVERLESS'];
  const AWS = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret' };

  beforeAll(async () => {
    writeFileSync(join(work, 'fail.py'), 'import sys\nprint("failing on purpose")\nsys.exit(3)\n');
    expect((await cli(['artifacts', 'upload', join(work, 'fail.py')])).code).toBe(0);
    writeFileSync(join(work, 'emr.json'), JSON.stringify({ name: 'emr', engine: { type: 'emr', cluster_id: 'j-2AXXXXXXGAPLF' } }));
    expect((await cli(['config-groups', 'import', join(work, 'emr.json')])).code).toBe(0);
    writeFileSync(join(work, 'emr-sl.json'), JSON.stringify({ name: 'emr-sl', engine: { type: 'emr_serverless', application_id: '00fapp', execution_role_arn: 'arn:aws:iam::123456789012:role/spark' }, configurations: { 'spark.executor.cores': '2' } }));
    expect((await cli(['config-groups', 'import', join(work, 'emr-sl.json')])).code).toBe(0);
    emr = await startFakeEmr({ clusters: ['j-2AXXXXXXGAPLF'], applications: ['00fapp'], path: process.env.PATH! });
  });
  afterEach(() => {
    for (const name of AWS_NAMES) delete process.env[name];
  });
  afterAll(async () => emr.close());

  it('without an EMR endpoint or AWS region the step fails, naming what to configure', async () => {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_EMR', 'AWS_PROFILE']) delete process.env[name];
    const { code, run } = await dagsTest('emr_dag', '2024-01-02');
    expect(code).toBe(1);
    expect(run.task_instances).toMatchObject([{ task_id: 'Load', state: 'failed', try_number: 1 }]);
    const log = readFileSync(join(process.env.SKYDAG_HOME!, 'logs/dag_id=emr_dag', `run_id=${run.run_id}`, 'task_id=Load/attempt=1.log'), 'utf8');
    expect(log).toContain('Submitting an EMR step to cluster j-2AXXXXXXGAPLF: emr_dag.Load');
    expect(log).toMatch(/EMR request failed \(.*\)\. Local mode calls EMR with the AWS environment: set AWS_REGION and credentials for a real cluster, or AWS_ENDPOINT_URL_EMR/);
  }, 60_000);

  it('EMR: AddJobFlowSteps with the command-runner spark-submit step (exact request), polled to COMPLETED; the step ran the program', async () => {
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR: emr.endpoint });
    const before = emr.requests().length;
    const { code, run } = await dagsTest('emr_dag', '2024-01-03');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'Load', state: 'success', try_number: 1 }]);
    expect(run.task_instances[0]!.config_group).toEqual({ name: 'emr', version: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const sent = emr.requests().slice(before);
    const argv = [
      'spark-submit', '--deploy-mode', 'cluster', '--name', 'emr_dag.Load', '--class', 'ai.couture.Main',
      '--conf', 'spark.workflow.dagId=emr_dag', '--conf', 'spark.workflow.taskId=Load',
      jar('video-pipeline_2.11-1.4.0.jar'), '{"method_id": "Load", "dag_id": "emr_dag", "input_filenames_dict": {"day": "2024-01-03.csv"}}',
    ];
    expect(sent[0]).toEqual({
      service: 'emr',
      action: 'AddJobFlowSteps',
      body: { JobFlowId: 'j-2AXXXXXXGAPLF', Steps: [{ Name: 'emr_dag.Load', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: argv } }] },
    });
    expect(sent.slice(1).every((r) => r.action === 'DescribeStep' && r.body.ClusterId === 'j-2AXXXXXXGAPLF')).toBe(true);
    expect(emr.runs().at(-1)).toEqual(argv);
    expect(fake.calls().at(-1)).toEqual(argv.slice(1));
  }, 60_000);

  it('EMR: a step that ends FAILED fails the task with its failure details', async () => {
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR: emr.endpoint });
    const { code, run } = await dagsTest('emr_failing_dag', '2024-01-02');
    expect(code).toBe(1);
    expect(run.task_instances).toMatchObject([{ task_id: 'Broken', state: 'failed' }]);
    const log = readFileSync(join(process.env.SKYDAG_HOME!, 'logs/dag_id=emr_failing_dag', `run_id=${run.run_id}`, 'task_id=Broken/attempt=1.log'), 'utf8');
    expect(log).toMatch(/EMR step s-FAKE\d+ \(Broken\) on cluster j-2AXXXXXXGAPLF ended FAILED: exit code 3; failing on purpose; log: s3:\/\/fake-emr-logs\//);
  }, 60_000);

  it('EMR Serverless: StartJobRun with a deterministic ClientToken and spark-defaults (exact request), polled to SUCCESS', async () => {
    Object.assign(process.env, AWS, { AWS_ENDPOINT_URL_EMR_SERVERLESS: emr.endpoint });
    const before = emr.requests().length;
    const { code, run } = await dagsTest('emr_serverless_dag', '2024-01-02');
    expect(code).toBe(0);
    expect(run.task_instances).toMatchObject([{ task_id: 'Ratings', state: 'success', try_number: 1 }]);
    const [start, ...polls] = emr.requests().slice(before);
    const json = '{"method_id": "Get_Ratings_Data", "dag_id": "emr_serverless_dag", "method_args_dict": {"day": "2024-01-02"}}';
    expect(start).toEqual({
      service: 'emr-serverless',
      action: 'POST /applications/00fapp/jobruns',
      body: {
        clientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        executionRoleArn: 'arn:aws:iam::123456789012:role/spark',
        name: 'emr_serverless_dag.Ratings',
        jobDriver: { sparkSubmit: { entryPoint: join(process.env.SKYDAG_HOME!, 'blobs/spark/artifacts/code/Ratings.py'), entryPointArguments: [json] } },
        configurationOverrides: {
          applicationConfiguration: [
            { classification: 'spark-defaults', properties: { 'spark.app.name': 'emr_serverless_dag.Ratings', 'spark.executor.cores': '2', 'spark.workflow.dagId': 'emr_serverless_dag', 'spark.workflow.taskId': 'Ratings' } },
          ],
          monitoringConfiguration: {},
        },
        executionTimeoutMinutes: 0,
      },
    });
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((p) => p.action.startsWith('GET /applications/00fapp/jobruns/00fake'))).toBe(true);
    const log = readFileSync(join(process.env.SKYDAG_HOME!, 'logs/dag_id=emr_serverless_dag', `run_id=${run.run_id}`, 'task_id=Ratings/attempt=1.log'), 'utf8');
    expect(log).toContain('Spark config group \'emr-sl\'');
  }, 60_000);
});

describe('refusals change nothing', () => {
  it('traversal names, other extensions and unknown groups are one-line errors', async () => {
    const list = async () => (await cli(['artifacts', 'list', '-o', 'json'])).out;
    const before = await list();
    writeFileSync(join(work, 'evil.sh'), 'rm -rf /');
    expect(await cli(['artifacts', 'upload', join(work, 'evil.sh')])).toMatchObject({ code: 1, err: expect.stringMatching(/^error: invalid artifact name "evil.sh": the extension must be one of/) });
    expect(await cli(['artifacts', 'upload', join(work, 'pi.py'), '--name', '../../pi.py'])).toMatchObject({ code: 1, err: expect.stringMatching(/bare file name/) });
    expect(await cli(['artifacts', 'delete', '..'])).toMatchObject({ code: 1, err: expect.stringMatching(/invalid artifact name/) });
    expect(await cli(['config-groups', 'set-default', '..'])).toMatchObject({ code: 1, err: expect.stringMatching(/invalid config group name/) });
    expect(await cli(['config-groups', 'delete', 'default'])).toMatchObject({ code: 1, err: "error: config group 'default' is the default; make another group the default first\n" });
    expect(await list()).toBe(before);
  });

  it('export and import round-trip as tar.gz; an archive with a non-XML Hadoop file is refused whole', async () => {
    const archive = join(work, 'configs.tar.gz');
    expect((await cli(['config-groups', 'export', archive, '--with-secrets'])).code).toBe(0);
    const shown = async () => JSON.parse((await cli(['config-groups', 'list', '-o', 'json'])).out) as { name: string; keytab_set: boolean; hadoop: object }[];
    const before = await shown();
    expect(before.find((g) => g.name === 'secure')).toMatchObject({ keytab_set: true, hadoop: { 'core-site.xml': [{ name: 'fs.defaultFS', value: 'hdfs://nn:8020' }] } });
    expect((await cli(['config-groups', 'import', archive])).code).toBe(0);
    expect(await shown()).toEqual(before.map((g) => ({ ...g, updated_at: expect.any(String) })));

    const { writeTarGz } = await import('../../shared/util/tar.js');
    const bad = join(work, 'bad.tar.gz');
    writeFileSync(bad, writeTarGz([
      { path: 'configs/fresh/group.json', data: Buffer.from(JSON.stringify({ name: 'fresh', engine: { type: 'local' } })) },
      { path: 'configs/fresh/hadoop/core-site.xml', data: Buffer.from('fs.defaultFS=hdfs://nn') },
    ]));
    expect(await cli(['config-groups', 'import', bad])).toMatchObject({ code: 1, err: expect.stringMatching(/configs\/fresh\/hadoop\/core-site.xml: line 1: expected an element/) });
    writeFileSync(bad, writeTarGz([{ path: 'configs/../../escape/group.json', data: Buffer.from('{}') }]));
    expect(await cli(['config-groups', 'import', bad])).toMatchObject({ code: 1, err: expect.stringMatching(/unsafe path in the archive/) });
    expect((await shown()).map((g) => g.name)).toEqual(before.map((g) => g.name));
  });
});

describe('config-groups show and set-default', () => {
  it('shows a group as JSON without its secrets, and moves the default from one group to another', async () => {
    const shown = await cli(['config-groups', 'show', 'secure']);
    expect(shown.code).toBe(0);
    const group = JSON.parse(shown.out) as Record<string, unknown>;
    expect(group).toMatchObject({ name: 'secure', is_default: false, keytab_set: true, hadoop: { 'core-site.xml': [{ name: 'fs.defaultFS', value: 'hdfs://nn:8020' }] } });
    // The keytab (a file holding 'KEYTAB') never leaves the store, in clear or base64.
    expect(shown.out).not.toContain('KEYTAB');
    expect(shown.out).not.toContain(Buffer.from('KEYTAB').toString('base64'));
    expect(await cli(['config-groups', 'show', 'nope'])).toMatchObject({ code: 1, err: expect.stringMatching(/config group 'nope'/) });

    const defaults = async () => (JSON.parse((await cli(['config-groups', 'list', '-o', 'json'])).out) as { name: string; is_default: boolean }[]).filter((g) => g.is_default).map((g) => g.name);
    expect(await defaults()).toEqual(['default']);
    expect(await cli(['config-groups', 'set-default', 'secure'])).toMatchObject({ code: 0, out: "'secure' is now the default config group\n" });
    expect(await defaults()).toEqual(['secure']);
    expect(JSON.parse((await cli(['config-groups', 'show', 'secure'])).out)).toMatchObject({ is_default: true });
    expect(await cli(['config-groups', 'set-default', 'nope'])).toMatchObject({ code: 1 });
    expect(await defaults()).toEqual(['secure']);
    expect((await cli(['config-groups', 'set-default', 'default'])).code).toBe(0);
    expect(await defaults()).toEqual(['default']);
  });
});
