/**
 * State names: `<task_id>.<role>`. Step Functions limits names to 80 characters and requires them to
 * be unique across the whole machine (nested branches included); long task ids are shortened and
 * made unique with their index.
 */
export type BlockRole =
  | 'prepare'
  | 'decide'
  | 'execute'
  | 'complete'
  | 'fail'
  | 'retry'
  | 'retry_wait'
  | 'submit'
  | 'backend'
  | 'emr_step'
  | 'emr_serverless'
  | 'spark_run'
  | 'start_child'
  | 'child_route'
  | 'run_child'
  | 'run_child_start'
  | 'trigger_child'
  | 'trigger_child_start'
  | 'control_failed'
  | 'control_lost'
  | 'map'
  | 'map_distributed'
  | 'end';

/**
 * The states of one map index of a mapped task (inside its Map state's item processor); `dmap.`: of
 * the Distributed Map a task mapped over an XCom takes when the expansion is too large to run inline.
 */
export type StateRole = BlockRole | `map.${BlockRole}` | `dmap.${BlockRole}`;

const MAX_NAME = 80;
const LONGEST_ROLE = 'dmap.trigger_child_start'.length + 1;

export function stateNamer(taskIds: readonly string[]): (taskId: string, role: StateRole) => string {
  const short = new Map<string, string>();
  taskIds.forEach((id, index) => {
    short.set(id, id.length + LONGEST_ROLE <= MAX_NAME ? id : `${id.slice(0, MAX_NAME - LONGEST_ROLE - 8)}~${index}`);
  });
  return (taskId, role) => `${short.get(taskId) ?? taskId}.${role}`;
}

export const RUN_STATES = {
  TASKS: 'Run tasks',
  PARTS: 'Run parts',
  FINALIZE: 'Finalize run',
  FINALIZE_AFTER_ERROR: 'Finalize run after an error',
  OUTCOME: 'Run outcome',
  SUCCEEDED: 'Run succeeded',
  FAILED: 'Run failed',
} as const;
