/**
 * Propagation: which tasks become decidable given the current task states, and what they do —
 * start, be skipped, or be marked upstream_failed. Called whenever a task finishes (and at run start,
 * where it yields the root tasks).
 *
 * It mirrors Airflow's scheduler loop (`DagRun.task_instance_scheduling_decisions` →
 * `_get_ready_tis` with `flag_upstream_failed=True`), which works in **rounds**: every task that
 * has no state yet is evaluated against the states *at the start of the round* (the loop's
 * `finished_tis` snapshot); the skips and upstream_failed marks it produces are seen by their own
 * downstream tasks only in the next round. Rounds repeat until nothing changes, so a skip cascades
 * to grandchildren and beyond, on any DAG shape (no series-parallel assumption, no topological order
 * needed).
 *
 * The rounds matter for exactness: a task whose upstream tasks are A (already skipped) and U (marked
 * upstream_failed in this very round) is skipped by Airflow (it sees only A's skip in that round),
 * not upstream_failed, and so is it here.
 *
 * Only tasks in state `none` are evaluated; tasks already scheduled, running or waiting to retry
 * keep their state.
 */
import { TriggerRule } from '../model/constants.js';
import { type DagIndex, type RuntimeTask, indexDag } from './graph.js';
import { type MaybeTaskState, TaskState, isFinished, normalizeTaskState } from './states.js';
import {
  type TriggerRuleOptions,
  TriggerDecision,
  countUpstreamStates,
  decisionToState,
  evaluateTriggerRule,
  type TriggerRuleResult,
} from './trigger-rules.js';

/** Task states by task id; tasks missing from the map (or mapped to null) have no state yet (`none`). */
export type StateMap = Readonly<Record<string, MaybeTaskState>> | ReadonlyMap<string, MaybeTaskState>;

export interface PropagationDecision {
  task_id: string;
  decision: typeof TriggerDecision.RUN | typeof TriggerDecision.SKIP | typeof TriggerDecision.UPSTREAM_FAILED;
  /** The state to write: scheduled, skipped or upstream_failed. */
  state: TaskState;
  reason: string;
  /** 1 for tasks decidable from the given states, 2 for those decidable after round 1's changes, ... */
  round: number;
}

export interface PropagationOptions extends TriggerRuleOptions {
  /**
   * For tasks with `depends_on_past`: whether the previous run allows this task instance to run
   * (see {@link dependsOnPastSatisfied}). A task whose rule is met but whose past dependency is not
   * stays without a state (listed in `waiting`). When omitted, depends_on_past is not checked.
   */
  pastDependsMet?: (taskId: string) => boolean;
}

export interface PropagationResult {
  /** Decisions in the order they were taken (by round, then in DAG task order). */
  decisions: PropagationDecision[];
  /** Every task's state after applying the decisions (`run` → `scheduled`). */
  states: Record<string, TaskState>;
  /** Tasks still without a state, and why they wait. */
  waiting: { task_id: string; reason: string }[];
}

export function stateOf(states: StateMap, taskId: string): TaskState {
  const value = states instanceof Map ? states.get(taskId) : (states as Readonly<Record<string, MaybeTaskState>>)[taskId];
  return normalizeTaskState(value);
}

function asIndex(dag: DagIndex | readonly RuntimeTask[]): DagIndex {
  return Array.isArray(dag) ? indexDag(dag as readonly RuntimeTask[]) : (dag as DagIndex);
}

/** Evaluates one task's trigger rule against a state map. */
export function evaluateTask(
  dag: DagIndex,
  taskId: string,
  states: StateMap,
  options: TriggerRuleOptions = {},
): TriggerRuleResult {
  const task = dag.tasks.get(taskId);
  if (!task) throw new Error(`'${taskId}' is not a task in this DAG`);
  const upstream = dag.upstream.get(taskId) ?? [];
  const counts = countUpstreamStates(upstream.map((u) => stateOf(states, u)));
  if (task.trigger_rule === TriggerRule.ALL_DONE_SETUP_SUCCESS) {
    counts.setup = countUpstreamStates(upstream.filter((u) => dag.tasks.get(u)?.is_setup).map((u) => stateOf(states, u)));
  }
  return evaluateTriggerRule(task.trigger_rule, counts, options);
}

/** The decisions that follow from `states`, cascaded to a fixpoint (see the module comment). */
export function propagate(
  dagOrTasks: DagIndex | readonly RuntimeTask[],
  states: StateMap,
  options: PropagationOptions = {},
): PropagationResult {
  const dag = asIndex(dagOrTasks);
  const current: Record<string, TaskState> = {};
  for (const id of dag.order) current[id] = stateOf(states, id);

  const decisions: PropagationDecision[] = [];
  const blockedByPast = new Set<string>();
  let candidates: readonly string[] = dag.order;
  for (let round = 1; candidates.length > 0; round++) {
    const changes: PropagationDecision[] = [];
    for (const id of candidates) {
      if (current[id] !== TaskState.NONE) continue;
      const result = evaluateTask(dag, id, current, options);
      if (result.decision === TriggerDecision.WAIT) continue;
      if (result.decision === TriggerDecision.RUN && dag.tasks.get(id)!.depends_on_past && options.pastDependsMet && !options.pastDependsMet(id)) {
        blockedByPast.add(id);
        continue;
      }
      changes.push({ task_id: id, decision: result.decision, state: decisionToState(result.decision)!, reason: result.reason, round });
    }
    // Apply the round's changes together: tasks evaluated in this round saw none of them.
    const next = new Set<string>();
    for (const change of changes) {
      current[change.task_id] = change.state;
      decisions.push(change);
      if (isFinished(change.state)) for (const d of dag.downstream.get(change.task_id) ?? []) next.add(d);
    }
    candidates = dag.order.filter((id) => next.has(id));
  }

  const waiting = dag.order
    .filter((id) => current[id] === TaskState.NONE)
    .map((id) => ({
      task_id: id,
      reason: blockedByPast.has(id)
        ? 'depends_on_past is set and the previous run of this task did not succeed or skip (or has not run yet)'
        : evaluateTask(dag, id, current, options).reason,
    }));
  return { decisions, states: current, waiting };
}

/**
 * `depends_on_past` (Airflow's `PrevDagrunDep`): a task instance may run only if the same task in
 * the previous run ended in success or skipped. `previousState` is undefined when there is no
 * previous run (the first run is never blocked); a previous run whose instance has no state (`null`
 * or `'none'`) or no instance of this task blocks, as in Airflow (`ignore_first_depends_on_past` is
 * not modelled).
 */
export function dependsOnPastSatisfied(previousState: TaskState | null | undefined): boolean {
  return previousState === undefined || previousState === TaskState.SUCCESS || previousState === TaskState.SKIPPED;
}

/**
 * `wait_for_downstream` (with depends_on_past): additionally every direct downstream task of the
 * previous task instance must be success or skipped (`TaskInstance.are_dependents_done`).
 */
export function waitForDownstreamSatisfied(previousDownstreamStates: readonly TaskState[]): boolean {
  return previousDownstreamStates.every((s) => s === TaskState.SUCCESS || s === TaskState.SKIPPED);
}
