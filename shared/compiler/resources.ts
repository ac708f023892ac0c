/**
 * Resources the compiled state machines call. Function and state-machine ARNs are deploy-time
 * values: the ASL carries `${...}` placeholders that CloudFormation fills through
 * DefinitionSubstitutions, and the local engine maps each Task state (by name) to a local handler
 * chosen from its Resource and placeholder.
 */
export const Placeholder = {
  /** prepare / complete / fail / finalize / child-run setup: short control-plane actions. */
  CONTROL_FUNCTION: '${SkydagControlFunctionArn}',
  /** Runs light task code (bash, builtin operators, sensors, the Python runner). */
  RUNNER_FUNCTION: '${SkydagRunnerFunctionArn}',
} as const;
export type Placeholder = (typeof Placeholder)[keyof typeof Placeholder];

export const Resource = {
  LAMBDA_INVOKE: 'arn:aws:states:::lambda:invoke',
  LAMBDA_INVOKE_WAIT_FOR_TOKEN: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  START_EXECUTION_SYNC: 'arn:aws:states:::states:startExecution.sync:2',
  START_EXECUTION: 'arn:aws:states:::states:startExecution',
  EMR_ADD_STEP_SYNC: 'arn:aws:states:::elasticmapreduce:addStep.sync',
  EMR_SERVERLESS_START_JOB_RUN_SYNC: 'arn:aws:states:::emr-serverless:startJobRun.sync',
} as const;
export type Resource = (typeof Resource)[keyof typeof Resource];

/** Transient Lambda service errors, retried by Step Functions itself (not task retries). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
