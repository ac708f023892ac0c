/**
 * Trigger rules: whether a task may run given the states of its direct upstream tasks.
 *
 * A transcription of Airflow 2's `TriggerRuleDep._evaluate_direct_relatives`
 * (`airflow/ti_deps/deps/trigger_rule_dep.py`, 2.7–2.10). Mapped upstream tasks count once, by
 * their summary state (shared/runtime/handlers/mapped.ts). Two things happen there, and both are kept here:
 *
 * 1. **State changes** (only when the scheduler evaluates with `flag_upstream_failed=True`, which it
 *    always does in `DagRun._get_ready_tis`): a rule that *can no longer be met* marks the task
 *    `skipped` or `upstream_failed` right away, without waiting for the remaining upstream tasks.
 *    E.g. `all_success` with one failed upstream is `upstream_failed` even while siblings still run,
 *    and with one skipped upstream it is `skipped`.
 * 2. **The passing check**: the task may run when its rule is met. `one_success`, `one_failed` and
 *    `one_done` are *eager* (they pass as soon as one qualifying upstream finished); every other rule
 *    needs all upstream tasks finished, except that `all_success`/`none_failed`/... can only pass once
 *    every upstream is in a passing state anyway.
 *
 * When both apply (a new state *and* a passing check — e.g. `none_failed_min_one_success` with every
 * upstream skipped), the new state wins: the scheduler only queues tasks whose state is still
 * schedulable after the check (`DagRun._get_ready_tis`).
 *
 * A task without upstream tasks always runs, and `always` runs without looking at upstream states
 * (`_get_dep_statuses`).
 *
 * Removed upstream tasks count as finished but never as success or skipped: with `all_success`,
 * `all_failed`, `all_skipped`, `none_failed` and `none_failed_min_one_success` such a task waits
 * forever, which the run-state check reports as a deadlock (as Airflow does).
 */
import { TriggerRule, type TriggerRule as TriggerRuleT } from '../model/constants.js';
import { assertNever } from './assert-never.js';
import { type MaybeTaskState, TaskState, isFinished, normalizeTaskState } from './states.js';

/** Counts of a task's direct upstream states (`_UpstreamTIStates` plus the total). */
export interface UpstreamCounts {
  success: number;
  skipped: number;
  failed: number;
  upstream_failed: number;
  removed: number;
  /** Upstream tasks in a finished state (success, failed, skipped, upstream_failed, removed). */
  done: number;
  /** All direct upstream tasks. */
  total: number;
  /** The same counts over the upstream setup tasks (only for all_done_setup_success). */
  setup?: UpstreamCounts;
}

/** Counts upstream states (`null`/`undefined` count as `none`). */
export function countUpstreamStates(states: Iterable<MaybeTaskState>): UpstreamCounts {
  const counts: UpstreamCounts = { success: 0, skipped: 0, failed: 0, upstream_failed: 0, removed: 0, done: 0, total: 0 };
  for (const raw of states) {
    const state = normalizeTaskState(raw);
    counts.total++;
    if (isFinished(state)) counts.done++;
    switch (state) {
      case TaskState.SUCCESS:
        counts.success++;
        break;
      case TaskState.SKIPPED:
        counts.skipped++;
        break;
      case TaskState.FAILED:
        counts.failed++;
        break;
      case TaskState.UPSTREAM_FAILED:
        counts.upstream_failed++;
        break;
      case TaskState.REMOVED:
        counts.removed++;
        break;
      default:
        break;
    }
  }
  return counts;
}

export const TriggerDecision = {
  /** The rule is met: the task may be scheduled. */
  RUN: 'run',
  /** The rule can never be met and Airflow marks the task `skipped`. */
  SKIP: 'skip',
  /** The rule can never be met and Airflow marks the task `upstream_failed`. */
  UPSTREAM_FAILED: 'upstream_failed',
  /** Not decidable yet: wait for more upstream tasks to finish. */
  WAIT: 'wait',
} as const;
export type TriggerDecision = (typeof TriggerDecision)[keyof typeof TriggerDecision];

export interface TriggerRuleResult {
  decision: TriggerDecision;
  /** A sentence for users, e.g. "2 of 3 upstream tasks succeeded, 1 was skipped; ...". */
  reason: string;
}

export interface TriggerRuleOptions {
  /**
   * Mark tasks whose rule can no longer be met as skipped / upstream_failed (Airflow's
   * `DepContext.flag_upstream_failed`). Default true, as in the scheduler. With false the decision
   * is only `run` or `wait`, as when Airflow checks dependencies before running a task by hand.
   */
  flagUpstreamFailed?: boolean;
}

/** The task state a decision leads to (`run` → scheduled); undefined for `wait`. */
export function decisionToState(decision: TriggerDecision): TaskState | undefined {
  switch (decision) {
    case TriggerDecision.RUN:
      return TaskState.SCHEDULED;
    case TriggerDecision.SKIP:
      return TaskState.SKIPPED;
    case TriggerDecision.UPSTREAM_FAILED:
      return TaskState.UPSTREAM_FAILED;
    case TriggerDecision.WAIT:
      return undefined;
    default:
      return assertNever(decision, 'trigger decision');
  }
}

/** What each rule needs, in words. */
export const TRIGGER_RULE_REQUIREMENTS: Readonly<Record<TriggerRuleT, string>> = {
  all_success: 'all_success needs every upstream task to succeed',
  all_failed: 'all_failed needs every upstream task to be failed or upstream_failed',
  all_done: 'all_done needs every upstream task to finish',
  all_skipped: 'all_skipped needs every upstream task to be skipped',
  one_success: 'one_success needs at least one upstream task to succeed',
  one_failed: 'one_failed needs at least one upstream task to be failed or upstream_failed',
  one_done: 'one_done needs at least one upstream task to succeed or fail',
  none_failed: 'none_failed needs every upstream task to succeed or be skipped',
  none_failed_min_one_success:
    'none_failed_min_one_success needs every upstream task to succeed or be skipped, and at least one to succeed',
  none_skipped: 'none_skipped needs every upstream task to finish without being skipped',
  always: 'always runs whatever the upstream states',
  all_done_setup_success: 'all_done_setup_success (a teardown) needs every upstream task to finish and at least one upstream setup to succeed',
};

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** "2 of 3 upstream tasks succeeded, 1 failed, 1 has not finished". */
export function describeUpstreamCounts(c: UpstreamCounts): string {
  if (c.total === 0) return 'the task has no upstream tasks';
  const parts = [`${c.success} of ${c.total} upstream ${plural(c.total, 'task', 'tasks')} succeeded`];
  if (c.skipped) parts.push(`${c.skipped} ${plural(c.skipped, 'was', 'were')} skipped`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.upstream_failed) parts.push(`${c.upstream_failed} ${plural(c.upstream_failed, 'is', 'are')} upstream_failed`);
  if (c.removed) parts.push(`${c.removed} ${plural(c.removed, 'was', 'were')} removed`);
  const unfinished = c.total - c.done;
  if (unfinished) parts.push(`${unfinished} ${plural(unfinished, 'has', 'have')} not finished`);
  return parts.join(', ');
}

/** The state Airflow assigns when the rule can no longer be met (`flag_upstream_failed`), if any. */
function impossibleState(rule: TriggerRuleT, c: UpstreamCounts): 'skip' | 'upstream_failed' | undefined {
  const upstreamDone = c.done >= c.total;
  const anyFailed = c.failed > 0 || c.upstream_failed > 0;
  switch (rule) {
    case TriggerRule.ALL_SUCCESS:
      if (anyFailed) return 'upstream_failed';
      if (c.skipped) return 'skip';
      return undefined;
    case TriggerRule.ALL_FAILED:
      return c.success || c.skipped ? 'skip' : undefined;
    case TriggerRule.ALL_DONE:
      return undefined;
    case TriggerRule.ALL_SKIPPED:
      return c.success || anyFailed ? 'skip' : undefined;
    case TriggerRule.ONE_SUCCESS:
      // Airflow: all upstream skipped -> skipped; all done without a success -> upstream_failed.
      if (upstreamDone && c.done === c.skipped) return 'skip';
      if (upstreamDone && c.success <= 0) return 'upstream_failed';
      return undefined;
    case TriggerRule.ONE_FAILED:
      return upstreamDone && !anyFailed ? 'skip' : undefined;
    case TriggerRule.ONE_DONE:
      // upstream_failed does not count as "done" for one_done (only success or failed do).
      return upstreamDone && !(c.failed || c.success) ? 'skip' : undefined;
    case TriggerRule.NONE_FAILED:
      return anyFailed ? 'upstream_failed' : undefined;
    case TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
      if (anyFailed) return 'upstream_failed';
      if (c.skipped === c.total) return 'skip';
      return undefined;
    case TriggerRule.NONE_SKIPPED:
      return c.skipped ? 'skip' : undefined;
    case TriggerRule.ALWAYS:
      return undefined;
    case TriggerRule.ALL_DONE_SETUP_SUCCESS: {
      // Airflow 2.10: every upstream setup skipped -> skipped; none succeeded -> upstream_failed.
      const setup = c.setup;
      if (!upstreamDone || !setup || setup.total === 0) return undefined;
      if (setup.skipped >= setup.total) return 'skip';
      if (setup.success === 0) return 'upstream_failed';
      return undefined;
    }
    default:
      return assertNever(rule, 'trigger rule');
  }
}

/** Airflow's passing check for each rule (the `_failing_status` conditions, negated). */
function passes(rule: TriggerRuleT, c: UpstreamCounts): boolean {
  const upstreamDone = c.done >= c.total;
  switch (rule) {
    case TriggerRule.ALL_SUCCESS:
      return c.total - c.success <= 0;
    case TriggerRule.ALL_FAILED:
      return c.total - c.failed - c.upstream_failed <= 0;
    case TriggerRule.ALL_DONE:
    case TriggerRule.ALL_DONE_SETUP_SUCCESS:
      return upstreamDone;
    case TriggerRule.ALL_SKIPPED:
      return c.total - c.skipped <= 0;
    case TriggerRule.ONE_SUCCESS:
      return c.success > 0;
    case TriggerRule.ONE_FAILED:
      return c.failed > 0 || c.upstream_failed > 0;
    case TriggerRule.ONE_DONE:
      return c.success + c.failed > 0;
    case TriggerRule.NONE_FAILED:
    case TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
      return c.total - c.success - c.skipped <= 0;
    case TriggerRule.NONE_SKIPPED:
      return upstreamDone && c.skipped === 0;
    case TriggerRule.ALWAYS:
      return true;
    default:
      return assertNever(rule, 'trigger rule');
  }
}

/** Decides what a task with trigger rule `rule` does, given its direct upstream counts. */
export function evaluateTriggerRule(
  rule: TriggerRuleT,
  counts: UpstreamCounts,
  options: TriggerRuleOptions = {},
): TriggerRuleResult {
  if (counts.total === 0) {
    return { decision: TriggerDecision.RUN, reason: 'The task has no upstream tasks, so it can run' };
  }
  if (rule === TriggerRule.ALWAYS) {
    return { decision: TriggerDecision.RUN, reason: `${describeUpstreamCounts(counts)}; the always rule ignores upstream states` };
  }
  const summary = describeUpstreamCounts(counts);
  const requirement = TRIGGER_RULE_REQUIREMENTS[rule];
  const flag = options.flagUpstreamFailed ?? true;
  const impossible = flag ? impossibleState(rule, counts) : undefined;
  if (impossible === 'skip') {
    return {
      decision: TriggerDecision.SKIP,
      reason: `${summary}; ${requirement}, which can no longer happen, so the task is skipped`,
    };
  }
  if (impossible === 'upstream_failed') {
    return {
      decision: TriggerDecision.UPSTREAM_FAILED,
      reason: `${summary}; ${requirement}, which can no longer happen, so the task is upstream_failed`,
    };
  }
  if (passes(rule, counts)) {
    return { decision: TriggerDecision.RUN, reason: `${summary}; ${rule} is met` };
  }
  return { decision: TriggerDecision.WAIT, reason: `${summary}; waiting: ${requirement}` };
}

/** `evaluateTriggerRule` over a list of upstream states. */
export function evaluateTriggerRuleForStates(
  rule: TriggerRuleT,
  upstreamStates: Iterable<MaybeTaskState>,
  options: TriggerRuleOptions = {},
): TriggerRuleResult {
  return evaluateTriggerRule(rule, countUpstreamStates(upstreamStates), options);
}
