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
  /** Tries longer than Lambda allows: the runner image as an ECS Fargate task (same image as the runner Lambda). */
  TASK_CLUSTER: '${SkydagTaskClusterArn}',
  TASK_DEFINITION: '${SkydagTaskDefinitionArn}',
  TASK_SUBNET_A: '${SkydagTaskSubnetA}',
  TASK_SUBNET_B: '${SkydagTaskSubnetB}',
  TASK_SECURITY_GROUP: '${SkydagTaskSecurityGroup}',
} as const;
export type Placeholder = (typeof Placeholder)[keyof typeof Placeholder];

export const Resource = {
  LAMBDA_INVOKE: 'arn:aws:states:::lambda:invoke',
  LAMBDA_INVOKE_WAIT_FOR_TOKEN: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  START_EXECUTION_SYNC: 'arn:aws:states:::states:startExecution.sync:2',
  START_EXECUTION: 'arn:aws:states:::states:startExecution',
  ECS_RUN_TASK_WAIT_FOR_TOKEN: 'arn:aws:states:::ecs:runTask.waitForTaskToken',
  EMR_ADD_STEP_SYNC: 'arn:aws:states:::elasticmapreduce:addStep.sync',
  EMR_SERVERLESS_START_JOB_RUN_SYNC: 'arn:aws:states:::emr-serverless:startJobRun.sync',
} as const;
export type Resource = (typeof Resource)[keyof typeof Resource];

/** The runner's container in the Fargate task definition (its overrides carry the try and the token). */
export const RUNNER_CONTAINER = 'skydag-runner';

/**
 * Environment of a Fargate try: which try to run and the token to answer. The runner entry
 * (functions/runner-task.ts) reads them; the local engine maps them back to an execute request.
 */
export const RunnerEnv = {
  DAG_ID: 'SKYDAG_DAG_ID',
  RUN_ID: 'SKYDAG_RUN_ID',
  TASK_ID: 'SKYDAG_TASK_ID',
  TRY_NUMBER: 'SKYDAG_TRY_NUMBER',
  /** Set for one index of a mapped task. */
  MAP_INDEX: 'SKYDAG_MAP_INDEX',
  TASK_TOKEN: 'SKYDAG_TASK_TOKEN',
} as const;

/** A Fargate try heartbeats every minute; a silent one (its container died) fails after this. */
export const FARGATE_HEARTBEAT_SECONDS = 300;

/**
 * Token waits handed between invocations (sensors, Livy batches: shared/runtime/handlers/waits.ts)
 * heartbeat on every invocation, and every minute while one runs. A state hears nothing for at most
 * the longest wait between invocations plus one invocation (a Lambda's 900 s) and the one-shot
 * schedule's lateness: past that, its invocations were lost and it fails with States.HeartbeatTimeout.
 */
export const WAIT_HEARTBEAT_MARGIN_SECONDS = 900 + 300;
/** The longest wait between two polls of a Livy batch handed to a later invocation (shared/spark/livy.ts). */
export const LIVY_MAX_HANDED_OFF_POLL_SECONDS = 900;
/** Step Functions' largest HeartbeatSeconds. */
export const MAX_HEARTBEAT_SECONDS = 99_999_999;

/** Transient ECS errors when starting a task, retried by Step Functions itself. */
export const ECS_SERVICE_ERRORS = ['ECS.AmazonECSException', 'ECS.ServerException', 'ECS.ThrottlingException'];

/** Transient Lambda service errors, retried by Step Functions itself (not task retries). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
