/**
 * The requests Step Functions sends for a Spark task: the compiled EMR / EMR Serverless states'
 * Parameters resolved against what submit_spark returns, for every engine — every JSONPath must
 * resolve (a missing field raises States.Runtime, which no Catch handles), and the resolved requests
 * are exactly AddJobFlowSteps' and StartJobRun's.
 */
import { compileDag } from '../compiler/compile.js';
import type { ParallelState, TaskState } from '../compiler/asl.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import type { StoredConfigGroup } from './config-groups.js';
import { clientToken } from './render.js';
import { sparkSubmission } from './submission.js';
import type { SparkSubmitSpec } from './submit-spec.js';

const SPEC: SparkSubmitSpec = {
  runner: 'spark-submit', language: 'jvm', appName: 'App', mainClass: 'a.Main', application: 'spark/artifacts/code/job.jar', args: ['{"method_id": "m", "dag_id": "d"}'],
  flags: [['executor-memory', '2g']], jars: [], pyFiles: [], conf: [['spark.workflow.dagId', 'd'], ['spark.workflow.taskId', 'spark']], kerberos: null, env: {},
};
const group = (engine: StoredConfigGroup['engine']): StoredConfigGroup => ({ name: 'g', description: '', engine, arguments: {}, configurations: {}, hadoop: {}, kerberos: { principal: null, keytab_path: null }, secrets: {}, updated_at: '' });
const S3 = (key: string) => `s3://bucket/${key}`;
const REF = { dag_id: 'd', run_id: 'r', task_id: 'spark', try_number: 1 };

/** Step Functions' Parameters: `Key.$` paths resolved against the state input (dot paths only, as the compiler writes them). */
function resolve(parameters: Record<string, unknown>, input: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key.endsWith('.$')) {
      let at: unknown = input;
      for (const part of (value as string).replace(/^\$\./, '').split('.')) {
        if (typeof at !== 'object' || at === null || !(part in at)) throw new Error(`States.Runtime: JSONPath ${String(value)} could not be found in the input`);
        at = (at as Record<string, unknown>)[part];
      }
      out[key.slice(0, -2)] = at;
    } else out[key] = value;
  }
  return out;
}

describe('Spark submissions as Step Functions sends them', () => {
  const def = compileDag(makeDag('d', [makeTask('spark', { operator: 'CoutureSparkOperator', operator_kind: 'couture_spark' })])).machines[0]!.definition;
  const states = Object.assign({}, ...(def.States['Run tasks'] as ParallelState).Branches.map((b) => b.States)) as Record<string, TaskState>;
  const input = (payload: unknown) => ({ run: { dag_id: 'd', run_id: 'r' }, spark: { payload } });

  it('EMR: AddJobFlowSteps with a command-runner spark-submit step in cluster mode', () => {
    const payload = sparkSubmission(group({ type: 'emr', cluster_id: 'j-ABC' }), SPEC, S3, REF);
    expect(resolve(states['spark.emr_step']!.Parameters as Record<string, unknown>, input(payload))).toEqual({
      ClusterId: 'j-ABC',
      Step: {
        Name: 'App',
        ActionOnFailure: 'CONTINUE',
        HadoopJarStep: {
          Jar: 'command-runner.jar',
          Args: ['spark-submit', '--executor-memory', '2g', '--deploy-mode', 'cluster', '--name', 'App', '--class', 'a.Main', '--conf', 'spark.workflow.dagId=d', '--conf', 'spark.workflow.taskId=spark', 's3://bucket/spark/artifacts/code/job.jar', '{"method_id": "m", "dag_id": "d"}'],
        },
      },
    });
  });

  it.each([undefined, 's3://logs/'])('EMR Serverless (log_uri %s): StartJobRun with a ClientToken and ConfigurationOverrides always present', (logUri) => {
    const payload = sparkSubmission(group({ type: 'emr_serverless', application_id: '00abc', execution_role_arn: 'arn:aws:iam::123456789012:role/r', ...(logUri ? { log_uri: logUri } : {}) }), SPEC, S3, REF);
    expect(resolve(states['spark.emr_serverless']!.Parameters as Record<string, unknown>, input(payload))).toEqual({
      ApplicationId: '00abc',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r',
      ClientToken: clientToken(REF),
      Name: 'App',
      JobDriver: { SparkSubmit: { EntryPoint: 's3://bucket/spark/artifacts/code/job.jar', EntryPointArguments: ['{"method_id": "m", "dag_id": "d"}'], SparkSubmitParameters: '--class a.Main' } },
      ConfigurationOverrides: {
        ApplicationConfiguration: [{ Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '2g', 'spark.app.name': 'App', 'spark.workflow.dagId': 'd', 'spark.workflow.taskId': 'spark' } }],
        MonitoringConfiguration: logUri ? { S3MonitoringConfiguration: { LogUri: logUri } } : {},
      },
      ExecutionTimeoutMinutes: 0,
    });
  });

  it('Livy and local go to the runner state; the Choice only reads the backend', () => {
    expect(sparkSubmission(group({ type: 'livy', url: 'http://livy:8998', auth: 'none' }), SPEC, S3, REF)).toEqual({ backend: 'livy' });
    expect(sparkSubmission(group({ type: 'local' }), SPEC, S3, REF)).toEqual({ backend: 'local' });
    expect(states['spark.backend']).toMatchObject({ Default: 'spark.spark_run' });
  });
});
