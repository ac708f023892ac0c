/**
 * Which tasks a branching operator skips: BranchPythonOperator / `@task.branch`, ShortCircuitOperator
 * and LatestOnlyOperator. The functions return task ids; the caller writes the `skipped` states, and
 * trigger rules (propagation.ts) carry the skips further down.
 */
import { didYouMean } from '../util/suggest.js';
import { type DagIndex, flatDownstream, groupRoots, isTaskGroup } from './graph.js';
import { DagRunType } from './states.js';
import { type Instant, toEpochMs } from './time.js';

// ---------------------------------------------------------------------------------------------
// Branch operators
// ---------------------------------------------------------------------------------------------

export type BranchResult =
  | {
      ok: true;
      /** Direct downstream tasks that are followed (Airflow's `followed` XCom). */
      followed: string[];
      /** Direct downstream tasks to mark skipped. */
      skipped: string[];
    }
  | { ok: false; error: string };

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `a list`;
  if (value === null) return 'None';
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function renderValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Airflow's `BranchMixIn.do_branch` + `SkipMixin.skip_all_except`: given what the branch callable
 * returned (a task id, a task-group id, a list of them, or None), every *direct* downstream task that
 * is not followed is skipped.
 *
 * - `None` or an empty list follows nothing: all direct downstream tasks are skipped.
 * - A task-group id is expanded to the group's root tasks (`_expand_task_group_roots`).
 * - "Empty branch" rule: a direct downstream task that is itself downstream of a followed task is not
 *   skipped (`branch >> join` plus `branch >> a >> join`: returning `a` keeps `join`), because
 *   `skip_all_except` adds every followed task's downstream tasks to the followed set.
 *
 * As Airflow, returned ids must be tasks or task groups of the DAG; one that is not directly
 * downstream follows nothing itself, but its downstream tasks join the followed set (DAGs return
 * `["notify_success", "dump", "upload"]` where only the first is a direct child: the tasks below it
 * are then not skipped by the branch, their trigger rules decide). The reader warns about such ids.
 */
export function resolveBranch(dag: DagIndex, branchTaskId: string, returned: unknown): BranchResult {
  if (!dag.tasks.has(branchTaskId)) throw new Error(`Branch task '${branchTaskId}' is not a task in this DAG`);
  const direct = dag.downstream.get(branchTaskId) ?? [];
  const directList = direct.length ? direct.join(', ') : '(none)';
  const where = `The branch callable of '${branchTaskId}'`;

  let ids: string[];
  if (returned == null) ids = [];
  else if (typeof returned === 'string') ids = [returned];
  else if (Array.isArray(returned)) {
    const bad = returned.filter((v) => typeof v !== 'string');
    if (bad.length) {
      return {
        ok: false,
        error: `${where} returned a list containing ${bad.map(renderValue).join(', ')}; every item must be a task id (a string).`,
      };
    }
    ids = returned as string[];
  } else {
    return {
      ok: false,
      error: `${where} returned ${renderValue(returned)} (${describeValue(returned)}); return a task id, a task group id, a list of them, or None. Its direct downstream tasks are: ${directList}.`,
    };
  }

  const errors: string[] = [];
  const expanded: string[] = [];
  for (const id of ids) {
    if (isTaskGroup(dag, id) && !dag.tasks.has(id)) {
      expanded.push(...groupRoots(dag, id));
    } else if (dag.tasks.has(id)) {
      expanded.push(id);
    } else {
      const candidates = [...direct, ...dag.order, ...dag.groups.keys()];
      errors.push(
        `${where} returned '${id}', which is not a task or task group in this DAG${didYouMean(id, candidates)}. Its direct downstream tasks are: ${directList}.`,
      );
    }
  }
  if (errors.length) return { ok: false, error: errors.join(' ') };

  const followSet = new Set<string>();
  for (const id of expanded) {
    followSet.add(id);
    for (const d of flatDownstream(dag, id)) followSet.add(d);
  }
  return {
    ok: true,
    followed: direct.filter((id) => followSet.has(id)),
    skipped: direct.filter((id) => !followSet.has(id)),
  };
}

// ---------------------------------------------------------------------------------------------
// ShortCircuitOperator
// ---------------------------------------------------------------------------------------------

/** Python's truthiness for a JSON-like value (`bool(value)`): None, False, 0, "", [] and {} are false. */
export function isPythonTruthy(value: unknown): boolean {
  if (value == null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0; // NaN is truthy in Python too
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export interface ShortCircuitResult {
  /** The condition was truthy: downstream tasks proceed normally. */
  proceed: boolean;
  /** Tasks to mark skipped. */
  skipped: string[];
  reason: string;
}

/**
 * Airflow's `ShortCircuitOperator.execute`: a truthy condition skips nothing. A falsy one skips
 * every task downstream of the operator, transitively, when `ignoreDownstreamTriggerRules` is true
 * (the default; their trigger rules are not consulted), or only the direct downstream tasks when it
 * is false (further tasks then follow their own trigger rules, e.g. an `all_done` join still runs).
 *
 * Like Airflow, the list does not depend on the tasks' current states; the caller decides whether to
 * overwrite a task that already finished (possible only with rules such as `one_success`).
 */
export function resolveShortCircuit(
  dag: DagIndex,
  taskId: string,
  condition: unknown,
  ignoreDownstreamTriggerRules = true,
): ShortCircuitResult {
  if (!dag.tasks.has(taskId)) throw new Error(`Short-circuit task '${taskId}' is not a task in this DAG`);
  if (isPythonTruthy(condition)) {
    return { proceed: true, skipped: [], reason: `The condition of '${taskId}' is true; downstream tasks proceed` };
  }
  const skipped = ignoreDownstreamTriggerRules ? flatDownstream(dag, taskId) : [...(dag.downstream.get(taskId) ?? [])];
  const scope = ignoreDownstreamTriggerRules ? 'all downstream tasks are skipped' : 'its direct downstream tasks are skipped';
  return {
    proceed: false,
    skipped,
    reason: skipped.length
      ? `The condition of '${taskId}' is false (${renderValue(condition ?? null)}); ${scope}: ${skipped.join(', ')}`
      : `The condition of '${taskId}' is false (${renderValue(condition ?? null)}), but it has no downstream tasks`,
  };
}

// ---------------------------------------------------------------------------------------------
// LatestOnlyOperator
// ---------------------------------------------------------------------------------------------

export interface Interval {
  start: Instant;
  end: Instant;
}

export interface LatestOnlyInput {
  runType: DagRunType;
  /** Airflow's `dag_run.external_trigger`; defaults to true for manual runs only. */
  externalTrigger?: boolean;
  /** The run's own logical date and data interval (only used in the reason). */
  logicalDate?: Instant;
  dataInterval?: Interval;
  /**
   * The data interval of the run that follows this one (`dag.next_dagrun_info(this interval)`),
   * or null when the schedule has no further run (end_date reached, `@once`, no schedule).
   */
  nextDataInterval: Interval | null;
  now: Instant;
}

export interface LatestOnlyDecision {
  skipDownstream: boolean;
  reason: string;
}

/**
 * Airflow's `LatestOnlyOperator.choose_branch`: externally triggered runs never skip; when the
 * schedule has no next run nothing is skipped; otherwise the direct downstream tasks are skipped
 * unless `next.start < now <= next.end`, i.e. unless this run is for the most recent complete
 * interval (so a catch-up or backfill of older intervals skips them).
 */
export function evaluateLatestOnly(input: LatestOnlyInput): LatestOnlyDecision {
  const external = input.externalTrigger ?? input.runType === DagRunType.MANUAL;
  if (external) {
    return { skipDownstream: false, reason: 'Externally triggered run: downstream tasks proceed' };
  }
  if (input.nextDataInterval === null) {
    return { skipDownstream: false, reason: 'Last scheduled run (the schedule has no next run): downstream tasks proceed' };
  }
  const now = toEpochMs(input.now, 'now');
  const left = toEpochMs(input.nextDataInterval.start, 'next data interval start');
  const right = toEpochMs(input.nextDataInterval.end, 'next data interval end');
  const window = `(${new Date(left).toISOString()}, ${new Date(right).toISOString()}]`;
  const self = input.dataInterval
    ? ` for the interval ${new Date(toEpochMs(input.dataInterval.start, 'data interval start')).toISOString()} – ${new Date(toEpochMs(input.dataInterval.end, 'data interval end')).toISOString()}`
    : input.logicalDate
      ? ` for ${new Date(toEpochMs(input.logicalDate, 'logical date')).toISOString()}`
      : '';
  if (left < now && now <= right) {
    return { skipDownstream: false, reason: `This run${self} is the latest: now is within ${window}; downstream tasks proceed` };
  }
  return {
    skipDownstream: true,
    reason: `This run${self} is not the latest: now (${new Date(now).toISOString()}) is not within ${window}; direct downstream tasks are skipped`,
  };
}

/** The tasks a LatestOnlyOperator skips: all its direct downstream tasks, or none. */
export function resolveLatestOnly(dag: DagIndex, taskId: string, input: LatestOnlyInput): LatestOnlyDecision & { skipped: string[] } {
  if (!dag.tasks.has(taskId)) throw new Error(`LatestOnly task '${taskId}' is not a task in this DAG`);
  const decision = evaluateLatestOnly(input);
  return { ...decision, skipped: decision.skipDownstream ? [...(dag.downstream.get(taskId) ?? [])] : [] };
}
