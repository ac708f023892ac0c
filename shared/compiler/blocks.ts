/**
 * One block of states per task: prepare → decide → execute (operator-specific) → complete, with every
 * execute state catching its own errors → fail → (retry? → wait → prepare). A handed-off task is
 * entered at decide from the previous task's complete (`wait` sends it to its prepare). A task never
 * fails its Parallel branch, so one failing task cannot cancel its siblings (which Airflow never does).
 */
import type { Task } from '../model/schema.js';
import type { OperatorSpec } from '../operators/registry.js';
import { CONTROL_FAILED_TRY, ControlAction, RunnerAction } from '../runtime/protocol.js';
import type { AslState, Catcher, Retrier, TaskState } from './asl.js';
import type { BlockRole } from './names.js';
import type { TaskCompute } from './compute.js';
import { sizedConstant } from './json-bytes.js';
import {
  ECS_SERVICE_ERRORS,
  FARGATE_HEARTBEAT_SECONDS,
  LAMBDA_SERVICE_ERRORS,
  LIVY_MAX_HANDED_OFF_POLL_SECONDS,
  MAX_HEARTBEAT_SECONDS,
  Placeholder,
  Resource,
  RUNNER_CONTAINER,
  RunnerEnv,
  WAIT_HEARTBEAT_MARGIN_SECONDS,
} from './resources.js';

/** The execute shape a task compiles to (derived from its operator spec). */
export type ExecuteShape = 'none' | 'invoke' | 'wait_for_token' | 'fargate' | 'spark' | 'child_dag';

/** `compute`: where the task runs (compute.ts); a try longer than Lambda allows runs on Fargate. */
export function executeShape(spec: OperatorSpec, compute?: TaskCompute): ExecuteShape {
  if (spec.execution === 'noop') return 'none';
  if (spec.execution === 'child_dag') return 'child_dag';
  if (spec.execution === 'spark') return 'spark';
  if (compute?.runs_on === 'fargate') return 'fargate';
  return spec.sensor ? 'wait_for_token' : 'invoke';
}

export interface BlockInput {
  task: Task;
  shape: ExecuteShape;
  /** State to continue with after this task reached a final state (next block's prepare or the branch end). */
  exit: string;
  name: (role: BlockRole) => string;
  /** The block of one map index inside a mapped task's Map state (its payloads carry `$.map_index`). */
  perIndex?: boolean;
  /** Entered at its decide from the previous task's complete (see chains.ts handsOff); `wait` sends it to its prepare. */
  handedOff?: boolean;
  /** The chain's next task, handed off to by this block's complete: its id and its decide state. */
  handOffTo?: { taskId: string; decide: string };
  /** The last block of its branch: a try that completes ends the branch there (other paths go through `exit`). */
  endsBranch?: boolean;
}

/**
 * A block's states in order, as [name, state] entries: each task's states have names of their own, so a
 * block built as an object literal would give V8 a new hidden class per task (the 10,000-task compile
 * spent more time there than in anything else); entries go straight into the branch's States object.
 */
export type BlockStates = [name: string, state: AslState][];

/** Where a complete goes on: the next task's decide (hand-off), the end of the branch, or `exit`. */
function afterComplete(input: BlockInput): { Next: string } | { End: true } {
  if (input.handOffTo) return { Next: input.handOffTo.decide };
  return input.endsBranch ? { End: true } : { Next: input.exit };
}

/**
 * Task code: retry only transient Lambda service errors (a code failure is a task failure). Full
 * jitter spreads the retries of many executions throttled at once.
 */
const SERVICE_RETRY: Retrier[] = sizedConstant([{ ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }]);
/** Control-plane actions are idempotent (they converge when delivered again): retry any error before giving up. */
export const CONTROL_RETRY: Retrier[] = sizedConstant([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' }]);

const RUN = { 'run.$': '$.run' };
const TRY = { 'try_number.$': '$.prepared.try_number' };
const MAP_INDEX = { 'map_index.$': '$.map_index' };

// Parts every block has alike, shared instead of built again for each of 10,000 tasks (the definitions
// are only ever read or copied; see dag-deployer.ts substitutePlaceholders and aws-timeouts.ts), frozen
// and measured once for the definition budget (json-bytes.ts sizedConstant).
const ALL_ERRORS = sizedConstant(['States.ALL']);
const DECISION_SELECTOR = sizedConstant({ 'decision.$': '$.Payload.decision', 'try_number.$': '$.Payload.try_number' });
const FAILURE_SELECTOR = sizedConstant({ 'retry.$': '$.Payload.retry', 'delay_seconds.$': '$.Payload.delay_seconds' });
const PAYLOAD_SELECTOR = sizedConstant({ 'payload.$': '$.Payload' });
const TOKEN_ANSWER_SELECTOR = sizedConstant({ 'payload.$': '$' });
const ECS_RETRY: Retrier[] = sizedConstant([{ ErrorEquals: ECS_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }]);
const FARGATE_NETWORK = sizedConstant({
  AwsvpcConfiguration: { Subnets: [Placeholder.TASK_SUBNET_A, Placeholder.TASK_SUBNET_B], SecurityGroups: [Placeholder.TASK_SECURITY_GROUP], AssignPublicIp: 'DISABLED' },
});
const RUNNER_ENV_DAG_ID = { Name: RunnerEnv.DAG_ID, 'Value.$': '$.run.dag_id' };
const RUNNER_ENV_RUN_ID = { Name: RunnerEnv.RUN_ID, 'Value.$': '$.run.run_id' };
const RUNNER_ENV_TRY = { Name: RunnerEnv.TRY_NUMBER, 'Value.$': "States.Format('{}', $.prepared.try_number)" };
const RUNNER_ENV_TOKEN = { Name: RunnerEnv.TASK_TOKEN, 'Value.$': '$$.Task.Token' };
const RUNNER_ENV_MAP_INDEX = { Name: RunnerEnv.MAP_INDEX, 'Value.$': "States.Format('{}', $.map_index)" };

// The extra members of the payloads every block sends, built once (controlPayload copies them).
const TOKEN = { 'token.$': '$$.Task.Token' };
const CONTROL_FAILED = { try_number: CONTROL_FAILED_TRY, 'error.$': '$.error' };
const TRY_ERROR = { ...TRY, 'error.$': '$.error' };
const TRY_RESULT = { ...TRY, 'result.$': '$.result.payload' };

/** A Catch of every error into `next`, the error at `$.error`. */
const catchAll = (next: string): Catcher[] => [{ ErrorEquals: ALL_ERRORS, ResultPath: '$.error', Next: next }];

function controlPayload(action: string, taskId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { FunctionName: Placeholder.CONTROL_FUNCTION, Payload: { action, ...RUN, task_id: taskId, ...extra } };
}

/** controlPayload for a block's states: a map index's payloads carry its `map_index` first. */
function indexedControl(input: BlockInput): typeof controlPayload {
  if (!input.perIndex) return controlPayload;
  return (action, taskId, extra = {}) => controlPayload(action, taskId, { ...MAP_INDEX, ...extra });
}

/** The prepare that waits for the task's upstream tasks (its token is answered with the decision). */
function waitingPrepare(id: string, name: BlockInput['name'], control: typeof controlPayload, toControlFailed: Catcher[]): AslState {
  return {
    Type: 'Task',
    Resource: Resource.LAMBDA_INVOKE_WAIT_FOR_TOKEN,
    Parameters: control(ControlAction.PREPARE, id, TOKEN),
    ResultPath: '$.prepared',
    Retry: CONTROL_RETRY,
    Catch: toControlFailed,
    Next: name('decide'),
  };
}

/** A control handler that kept failing: the task is recorded as failed, or failing that, the branch fails (no Comment: it is in every block). */
function controlFailureStates(id: string, name: BlockInput['name'], control: typeof controlPayload, exit: string): BlockStates {
  const lost = name('control_lost');
  return [
    [
      name('control_failed'),
      {
        Type: 'Task',
        Resource: Resource.LAMBDA_INVOKE,
        Parameters: control(ControlAction.FAIL, id, CONTROL_FAILED),
        ResultPath: null,
        Retry: CONTROL_RETRY,
        Catch: catchAll(lost),
        Next: exit,
      },
    ],
    // Fails the branch, so the Parallel's Catch finalizes the run with this error (unfinished tasks fail).
    [lost, { Type: 'Fail', Error: 'Skydag.ControlPlaneFailed', Cause: `task ${id}: control handlers kept failing` }],
  ];
}

/**
 * A mapped task: its prepare waits for the upstream tasks and expands it (the map indexes come back in
 * the answer), a `Map` state runs every index's own block (prepare_index → execute → complete, with
 * its own tries, retries and log), then the task's complete records the task's summary from its
 * indexes and decides the downstream tasks. `max_active_tis_per_dag` is the Map's MaxConcurrency.
 * `distributed`: the indexes' histories would not fit the run's, so each index runs as its own child
 * execution (a Distributed Map: the run's history holds only the map run's start and end).
 */
export function renderMappedBlock(
  input: BlockInput & {
    indexName: (role: BlockRole) => string;
    distributed?: boolean;
    /**
     * An expansion sized at run time (over an upstream's XCom): up to `inlineLimit` indexes run in
     * the inline Map, more in a Distributed one (its item states named by `distributedIndexName`).
     */
    sizedAtRunTime?: { inlineLimit: number; distributedIndexName: (role: BlockRole) => string };
  },
): BlockStates {
  const { task, exit, name, indexName, sizedAtRunTime } = input;
  const control = controlPayload;
  const id = task.task_id;
  const toControlFailed = catchAll(name('control_failed'));
  const mapState = (stateName: (role: BlockRole) => string, distributed: boolean, comment = `Mapped task ${id}: one item per map index`): AslState => {
    // Each index ends at its own Succeed state; the chain-level options (hand-off, branch end) are the task's, not its indexes'.
    const perIndex = renderBlock({ task, shape: input.shape, name: stateName, exit: stateName('end'), perIndex: true });
    perIndex.push([stateName('end'), { Type: 'Succeed' }]);
    return {
      Type: 'Map',
      Comment: comment,
      ItemsPath: '$.prepared.map_indexes',
      ItemSelector: { 'run.$': '$.run', 'map_index.$': '$$.Map.Item.Value' },
      MaxConcurrency: task.max_active_tis_per_dag ?? 0,
      ItemProcessor: {
        ProcessorConfig: distributed ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } : { Mode: 'INLINE' },
        StartAt: stateName('prepare'),
        States: Object.fromEntries(perIndex),
      },
      ResultPath: null,
      Catch: toControlFailed,
      Next: name('complete'),
    };
  };
  const runChoices = [
    ...(sizedAtRunTime
      ? [{ And: [{ Variable: '$.prepared.decision', StringEquals: 'run' }, { Variable: '$.prepared.index_count', NumericGreaterThan: sizedAtRunTime.inlineLimit }], Next: name('map_distributed') }]
      : []),
    { Variable: '$.prepared.decision', StringEquals: 'run', Next: name('map') },
  ];
  return [
    [name('prepare'), waitingPrepare(id, name, control, toControlFailed)],
    [name('decide'), { Type: 'Choice', Choices: runChoices, Default: exit }],
    [name('map'), mapState(indexName, input.distributed === true)],
    ...(sizedAtRunTime
      ? ([[name('map_distributed'), mapState(sizedAtRunTime.distributedIndexName, true, `Mapped task ${id}: more than ${sizedAtRunTime.inlineLimit} map indexes, each a child execution`)]] satisfies BlockStates)
      : []),
    [
      name('complete'),
      {
        Type: 'Task',
        Resource: Resource.LAMBDA_INVOKE,
        Parameters: control(ControlAction.COMPLETE, id, TRY),
        ResultPath: null,
        Retry: CONTROL_RETRY,
        Catch: toControlFailed,
        ...afterComplete({ ...input, handOffTo: undefined }), // a mapped task hands off to no one (see chains.ts handsOff)
      },
    ],
    ...controlFailureStates(id, name, control, exit),
  ];
}

function timeout(task: Task): Partial<TaskState> {
  return task.execution_timeout_seconds ? { TimeoutSeconds: Math.max(1, Math.ceil(task.execution_timeout_seconds)) } : {};
}

/**
 * The longest a sensor waits between two pokes: its poke_interval, or with exponential back-off up
 * to its timeout (Airflow caps the back-off there; skydag's model has no max_wait). Airflow's defaults without settings.
 */
export function sensorWaitGapSeconds(task: Task): number {
  const settings = task.sensor ?? { poke_interval_seconds: 60, timeout_seconds: 604800, exponential_backoff: false };
  return settings.exponential_backoff ? settings.timeout_seconds : settings.poke_interval_seconds;
}

/**
 * HeartbeatSeconds of a token wait whose invocations are `gapSeconds` apart at most (see
 * WAIT_HEARTBEAT_MARGIN_SECONDS). ASL wants it below TimeoutSeconds: when the task's own timeout comes
 * first, that timeout is the bound and no heartbeat limit is set.
 */
function heartbeat(task: Task, gapSeconds: number): Partial<TaskState> {
  const seconds = Math.min(MAX_HEARTBEAT_SECONDS, Math.ceil(gapSeconds) + WAIT_HEARTBEAT_MARGIN_SECONDS);
  const limit = timeout(task).TimeoutSeconds;
  return limit !== undefined && seconds >= limit ? {} : { HeartbeatSeconds: seconds };
}

/** All of a block's states in order; the block is entered at `name('prepare')`. */
export function renderBlock(input: BlockInput): BlockStates {
  const { task, shape, exit, name } = input;
  const id = task.task_id;
  const control = indexedControl(input);
  const prepare = name('prepare');
  const failName = name('fail');
  const retryName = name('retry');
  const retryWait = name('retry_wait');
  const toFail = catchAll(failName);
  // A control handler that kept failing past its retries: the task fails with that error (never a silent end).
  const toControlFailed = catchAll(name('control_failed'));
  const afterExecute = shape === 'none' ? name('complete') : firstExecuteState(shape, name);

  return [
    [
      prepare,
      input.perIndex
        ? {
            // The index's parent was decided already: the try starts at once (no token to wait on).
            Type: 'Task',
            Resource: Resource.LAMBDA_INVOKE,
            Parameters: control(ControlAction.PREPARE_INDEX, id, task.expand?.target === 'group' ? { group_mapped: true } : {}),
            ResultSelector: DECISION_SELECTOR,
            ResultPath: '$.prepared',
            Retry: CONTROL_RETRY,
            Catch: toControlFailed,
            Next: name('decide'),
          }
        : waitingPrepare(id, name, control, toControlFailed),
    ],
    [
      name('decide'),
      {
        Type: 'Choice',
        Choices: [
          { Variable: '$.prepared.decision', StringEquals: 'run', Next: afterExecute },
          ...(input.handedOff ? [{ Variable: '$.prepared.decision', StringEquals: 'wait', Next: prepare }] : []),
        ],
        Default: exit,
      },
    ],
    ...renderExecute(input, toFail),
    [name('complete'), renderComplete(input, control, toFail)],
    [
      failName,
      {
        Type: 'Task',
        Resource: Resource.LAMBDA_INVOKE,
        Parameters: control(ControlAction.FAIL, id, TRY_ERROR),
        ResultSelector: FAILURE_SELECTOR,
        ResultPath: '$.failure',
        Retry: CONTROL_RETRY,
        Catch: toControlFailed,
        Next: retryName,
      },
    ],
    [retryName, { Type: 'Choice', Choices: [{ Variable: '$.failure.retry', BooleanEquals: true, Next: retryWait }], Default: exit }],
    [retryWait, { Type: 'Wait', SecondsPath: '$.failure.delay_seconds', Next: prepare }],
    ...controlFailureStates(id, name, control, exit),
  ];
}

/** complete: records the try's end; with a hand-off, its answer (the next task's decision) goes to that task's decide. */
function renderComplete(input: BlockInput, control: typeof controlPayload, toFail: Catcher[]): AslState {
  const { task, shape, handOffTo } = input;
  const extra = shape === 'invoke' || shape === 'wait_for_token' || shape === 'fargate' ? TRY_RESULT : TRY;
  return {
    Type: 'Task',
    Resource: Resource.LAMBDA_INVOKE,
    Parameters: control(ControlAction.COMPLETE, task.task_id, handOffTo ? { ...extra, next_task_id: handOffTo.taskId } : extra),
    ...(handOffTo ? { ResultSelector: DECISION_SELECTOR, ResultPath: '$.prepared' } : { ResultPath: null }),
    Retry: CONTROL_RETRY,
    Catch: toFail,
    ...afterComplete(input),
  };
}

function firstExecuteState(shape: ExecuteShape, name: BlockInput['name']): string {
  switch (shape) {
    case 'invoke':
    case 'wait_for_token':
    case 'fargate':
      return name('execute');
    case 'spark':
      return name('submit');
    case 'child_dag':
      return name('start_child');
    case 'none':
      return name('complete');
  }
}

function renderExecute(input: BlockInput, toFail: Catcher[]): BlockStates {
  const { task, shape, name } = input;
  const id = task.task_id;
  const indexed = input.perIndex ? MAP_INDEX : {};
  const control = indexedControl(input);
  const runner = (extra: Record<string, unknown> = {}) => ({
    FunctionName: Placeholder.RUNNER_FUNCTION,
    Payload: { action: RunnerAction.EXECUTE, ...RUN, task_id: id, ...TRY, ...indexed, ...extra },
  });
  switch (shape) {
    case 'none':
      return [];
    case 'invoke':
      return [
        [
          name('execute'),
          {
            Type: 'Task',
            Comment: `Task ${id}: ${task.operator}`,
            Resource: Resource.LAMBDA_INVOKE,
            Parameters: runner(),
            ResultSelector: PAYLOAD_SELECTOR,
            ResultPath: '$.result',
            ...timeout(task),
            Retry: SERVICE_RETRY,
            Catch: toFail,
            Next: name('complete'),
          },
        ],
      ];
    case 'wait_for_token':
      return [
        [
          name('execute'),
          {
            Type: 'Task',
            Comment: `Sensor ${id}: the runner pokes (reschedules and long waits continue in the sensor-poker, heartbeating) and answers the token`,
            Resource: Resource.LAMBDA_INVOKE_WAIT_FOR_TOKEN,
            Parameters: runner({ 'token.$': '$$.Task.Token' }),
            ResultSelector: TOKEN_ANSWER_SELECTOR,
            ResultPath: '$.result',
            ...timeout(task),
            ...heartbeat(task, sensorWaitGapSeconds(task)),
            Retry: SERVICE_RETRY,
            Catch: toFail,
            Next: name('complete'),
          },
        ],
      ];
    case 'fargate':
      return [
        [
          name('execute'),
          {
            Type: 'Task',
            Comment: `Task ${id}: ${task.operator} on ECS Fargate (longer than Lambda allows); the runner heartbeats and answers the token`,
            Resource: Resource.ECS_RUN_TASK_WAIT_FOR_TOKEN,
            Parameters: {
              Cluster: Placeholder.TASK_CLUSTER,
              TaskDefinition: Placeholder.TASK_DEFINITION,
              LaunchType: 'FARGATE',
              NetworkConfiguration: FARGATE_NETWORK,
              Overrides: {
                ContainerOverrides: [
                  {
                    Name: RUNNER_CONTAINER,
                    Environment: [
                      RUNNER_ENV_DAG_ID,
                      RUNNER_ENV_RUN_ID,
                      { Name: RunnerEnv.TASK_ID, Value: id },
                      RUNNER_ENV_TRY,
                      RUNNER_ENV_TOKEN,
                      ...(input.perIndex ? [RUNNER_ENV_MAP_INDEX] : []),
                    ],
                  },
                ],
              },
            },
            ResultSelector: TOKEN_ANSWER_SELECTOR,
            ResultPath: '$.result',
            HeartbeatSeconds: FARGATE_HEARTBEAT_SECONDS,
            ...timeout(task),
            Retry: ECS_RETRY,
            Catch: toFail,
            Next: name('complete'),
          },
        ],
      ];
    case 'spark':
      return [
        [
          name('submit'),
          {
            Type: 'Task',
            Comment: `Spark task ${id}: resolve the config group and build the submission`,
            Resource: Resource.LAMBDA_INVOKE,
            Parameters: control(ControlAction.SUBMIT_SPARK, id, TRY),
            ResultSelector: PAYLOAD_SELECTOR,
            ResultPath: '$.spark',
            Retry: SERVICE_RETRY,
            Catch: toFail,
            Next: name('backend'),
          },
        ],
        [
          name('backend'),
          {
            Type: 'Choice',
            Choices: [
              { Variable: '$.spark.payload.backend', StringEquals: 'emr', Next: name('emr_step') },
              { Variable: '$.spark.payload.backend', StringEquals: 'emr_serverless', Next: name('emr_serverless') },
            ],
            Default: name('spark_run'),
          },
        ],
        [
          name('emr_step'),
          {
            Type: 'Task',
            Resource: Resource.EMR_ADD_STEP_SYNC,
            Parameters: { 'ClusterId.$': '$.spark.payload.emr.cluster_id', 'Step.$': '$.spark.payload.emr.step' },
            ResultPath: null,
            ...timeout(task),
            Catch: toFail,
            Next: name('complete'),
          },
        ],
        [
          name('emr_serverless'),
          {
            Type: 'Task',
            Resource: Resource.EMR_SERVERLESS_START_JOB_RUN_SYNC,
            Parameters: {
              'ApplicationId.$': '$.spark.payload.emr_serverless.ApplicationId',
              'ExecutionRoleArn.$': '$.spark.payload.emr_serverless.ExecutionRoleArn',
              // Deterministic per try: a redelivered start is the same job run, the next try a new one.
              'ClientToken.$': '$.spark.payload.emr_serverless.ClientToken',
              'Name.$': '$.spark.payload.emr_serverless.Name',
              'JobDriver.$': '$.spark.payload.emr_serverless.JobDriver',
              'ConfigurationOverrides.$': '$.spark.payload.emr_serverless.ConfigurationOverrides',
              // EMR Serverless cancels a job run after 12 hours unless told otherwise (0: never).
              ExecutionTimeoutMinutes: task.execution_timeout_seconds ? Math.ceil(task.execution_timeout_seconds / 60) : 0,
            },
            ResultPath: null,
            ...timeout(task),
            Catch: toFail,
            Next: name('complete'),
          },
        ],
        [
          name('spark_run'),
          {
            Type: 'Task',
            Comment: 'Livy batch or local spark-submit: the runner submits; polls continue in the sensor-poker (heartbeating), which answers the token',
            Resource: Resource.LAMBDA_INVOKE_WAIT_FOR_TOKEN,
            Parameters: runner({ 'token.$': '$$.Task.Token' }),
            ResultPath: null,
            ...timeout(task),
            ...heartbeat(task, LIVY_MAX_HANDED_OFF_POLL_SECONDS),
            Retry: SERVICE_RETRY,
            Catch: toFail,
            Next: name('complete'),
          },
        ],
      ];
    case 'child_dag':
      return renderChildDag(input, toFail);
  }
}

function childRunStart(resource: Resource, startName: string, task: Task): Record<string, AslState> {
  return {
    [startName]: {
      Type: 'Task',
      Resource: resource,
      Parameters: {
        'StateMachineArn.$': '$.child.state_machine',
        'Name.$': '$.child.name',
        Input: { 'run.$': '$.child.input.run', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
      },
      ResultPath: null,
      ...timeout(task),
      End: true,
    },
  };
}

function renderChildDag(input: BlockInput, toFail: Catcher[]): BlockStates {
  const { task, name } = input;
  const childMap = (role: 'run_child' | 'trigger_child', startRole: 'run_child_start' | 'trigger_child_start', resource: Resource): AslState => ({
    Type: 'Map',
    Comment: role === 'run_child' ? 'Child DAG run(s), one at a time; a failed child run fails the task' : 'Trigger child DAG run(s) without waiting',
    ItemsPath: '$.started.payload.runs',
    ItemSelector: { 'child.$': '$$.Map.Item.Value' },
    MaxConcurrency: 1,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: name(startRole), States: childRunStart(resource, name(startRole), task) },
    ResultPath: null,
    Catch: toFail,
    Next: name('complete'),
  });
  return [
    [
      name('start_child'),
      {
        Type: 'Task',
        Comment: `Task ${task.task_id}: render the child run(s) (conf, skip) and record them`,
        Resource: Resource.LAMBDA_INVOKE,
        Parameters: controlPayload(ControlAction.START_CHILD, task.task_id, TRY),
        ResultSelector: PAYLOAD_SELECTOR,
        ResultPath: '$.started',
        Retry: SERVICE_RETRY,
        Catch: toFail,
        Next: name('child_route'),
      },
    ],
    [
      name('child_route'),
      {
        Type: 'Choice',
        Choices: [
          { Variable: '$.started.payload.skip', BooleanEquals: true, Next: name('complete') },
          { Variable: '$.started.payload.wait', BooleanEquals: false, Next: name('trigger_child') },
        ],
        Default: name('run_child'),
      },
    ],
    [name('run_child'), childMap('run_child', 'run_child_start', Resource.START_EXECUTION_SYNC)],
    [name('trigger_child'), childMap('trigger_child', 'trigger_child_start', Resource.START_EXECUTION)],
  ];
}
