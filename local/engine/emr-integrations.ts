/**
 * Step Functions' EMR service integrations for the local engine, done as Step Functions does them:
 *   elasticmapreduce:addStep.sync        → AddJobFlowSteps, then DescribeStep until the step ends
 *   emr-serverless:startJobRun.sync      → StartJobRun, then GetJobRun until the job run ends
 * through the AWS SDK, so they reach whatever the AWS environment names: an EMR-compatible endpoint
 * (`AWS_ENDPOINT_URL_EMR` / `AWS_ENDPOINT_URL_EMR_SERVERLESS`, e.g. the fakes the tests start) or the
 * real services with the user's credentials. The SDKs are loaded only when such a state runs.
 *
 * Output is what the .sync integration returns (DescribeStep's / GetJobRun's response); an ended step
 * or job run that did not succeed is `States.TaskFailed` with its reason.
 */
import type { EMRClient } from '@aws-sdk/client-emr';
import type { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';

/** How often a running step or job run is looked at (Step Functions polls at its own pace; locally 1 s). */
export const EMR_POLL_MS = 1000;

export interface EmrIntegrationOptions {
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A step or job run that ended without success (Step Functions' States.TaskFailed). */
export class EmrTaskFailedError extends Error {
  override readonly name = 'States.TaskFailed';
}

/** EMR could not be reached or refused the request: what to configure, and what AWS said. */
export class EmrUnavailableError extends Error {
  override readonly name = 'States.TaskFailed';
}

const realSleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function unavailable(service: string, envVar: string, err: unknown): EmrUnavailableError {
  const e = err as Error;
  return new EmrUnavailableError(
    `${service} request failed (${e.name}: ${e.message}). Local mode calls ${service} with the AWS environment: set AWS_REGION and credentials for a real cluster, or ${envVar} for an ${service}-compatible endpoint; or use a config group that runs Spark through Livy or spark-submit`,
  );
}

/** `arn:aws:states:::elasticmapreduce:addStep.sync`: Parameters `{ClusterId, Step}`. */
export function emrAddStepSync(options: EmrIntegrationOptions = {}): (input: unknown) => Promise<unknown> {
  const pollMs = options.pollMs ?? EMR_POLL_MS;
  const sleep = options.sleep ?? realSleep;
  return async (input) => {
    const { ClusterId, Step } = input as { ClusterId: string; Step: Record<string, unknown> };
    const { EMRClient, AddJobFlowStepsCommand, DescribeStepCommand } = await import('@aws-sdk/client-emr');
    const emr: EMRClient = new EMRClient({});
    try {
      let stepId: string;
      try {
        const added = await emr.send(new AddJobFlowStepsCommand({ JobFlowId: ClusterId, Steps: [Step as never] }));
        stepId = added.StepIds![0]!;
      } catch (err) {
        throw unavailable('EMR', 'AWS_ENDPOINT_URL_EMR', err);
      }
      for (;;) {
        const described = await emr.send(new DescribeStepCommand({ ClusterId, StepId: stepId }));
        const status = described.Step?.Status;
        const state = status?.State;
        if (state === 'COMPLETED') return { Step: described.Step };
        if (state === 'FAILED' || state === 'CANCELLED' || state === 'INTERRUPTED') {
          const details = status?.FailureDetails;
          const why = [details?.Reason, details?.Message, details?.LogFile ? `log: ${details.LogFile}` : undefined, status?.StateChangeReason?.Message].filter(Boolean).join('; ');
          throw new EmrTaskFailedError(`EMR step ${stepId} (${String(Step.Name ?? '')}) on cluster ${ClusterId} ended ${state}${why ? `: ${why}` : ''}`);
        }
        await sleep(pollMs);
      }
    } finally {
      emr.destroy();
    }
  };
}

/** Step Functions' PascalCase Parameters as the EMR Serverless API's camelCase input; Spark property names stay as they are. */
export function emrServerlessInput(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => emrServerlessInput(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1), emrServerlessInput(v, k === 'Properties')]),
  );
}

/** `arn:aws:states:::emr-serverless:startJobRun.sync`: Parameters as StartJobRun's (ClientToken makes retries idempotent). */
export function emrServerlessStartJobRunSync(options: EmrIntegrationOptions = {}): (input: unknown) => Promise<unknown> {
  const pollMs = options.pollMs ?? EMR_POLL_MS;
  const sleep = options.sleep ?? realSleep;
  return async (input) => {
    const request = emrServerlessInput(input) as { applicationId: string; name?: string };
    const { EMRServerlessClient, StartJobRunCommand, GetJobRunCommand } = await import('@aws-sdk/client-emr-serverless');
    const serverless: EMRServerlessClient = new EMRServerlessClient({});
    try {
      let jobRunId: string;
      try {
        jobRunId = (await serverless.send(new StartJobRunCommand(request as never))).jobRunId!;
      } catch (err) {
        throw unavailable('EMR Serverless', 'AWS_ENDPOINT_URL_EMR_SERVERLESS', err);
      }
      for (;;) {
        const { jobRun } = await serverless.send(new GetJobRunCommand({ applicationId: request.applicationId, jobRunId }));
        const state = jobRun?.state;
        if (state === 'SUCCESS') return { JobRun: jobRun };
        if (state === 'FAILED' || state === 'CANCELLED') {
          throw new EmrTaskFailedError(`EMR Serverless job run ${jobRunId} (${request.name ?? ''}) of application ${request.applicationId} ended ${state}${jobRun?.stateDetails ? `: ${jobRun.stateDetails}` : ''}`);
        }
        await sleep(pollMs);
      }
    } finally {
      serverless.destroy();
    }
  };
}
