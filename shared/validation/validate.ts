/**
 * Model-level validation: checks that hold for any DAG, whichever front-end produced it (or when a
 * model arrives as JSON). Reports every problem in one pass, each located at the task or DAG it
 * concerns. Front-ends report what only they can see (syntax, argument types, duplicates they refuse
 * to create); this module sees the whole graph.
 */
import { DiagnosticBag, DiagnosticCode } from '../model/diagnostics.js';
import { TRIGGER_RULES } from '../model/constants.js';
import type { Dag, Diagnostic, Task } from '../model/schema.js';
import { cronProblem, isValidTimeZone } from '../model/build.js';
import { customOperatorSpec, operatorByKind } from '../operators/registry.js';
import { computeQueue, describeCompute, LAMBDA_TASK_BUDGET_SECONDS, taskCompute } from '../compiler/compute.js';
import { didYouMean } from '../util/suggest.js';
import { findCycles } from './graph.js';
import { schemaProblems } from './schema-check.js';

export function validateDag(dag: Dag): Diagnostic[] {
  const bag = new DiagnosticBag();
  const schemaIssues = schemaProblems(dag);
  if (schemaIssues.length > 0) {
    for (const problem of schemaIssues) {
      bag.error(DiagnosticCode.BAD_DAG_ARGUMENT, `DAG '${dag.dag_id}': invalid model: ${problem}`, dag.source, { dag_id: dag.dag_id });
    }
    return bag.items; // graph checks assume a well-formed model
  }
  checkDuplicateTaskIds(dag, bag);
  const byId = new Map(dag.tasks.map((t) => [t.task_id, t] as const));
  checkEdges(dag, byId, bag);
  checkCycles(dag, byId, bag);
  checkTaskFields(dag, bag);
  checkComputeQueues(dag, bag);
  checkBranchTargets(dag, byId, bag);
  warnBranchJoins(dag, byId, bag);
  checkDagFields(dag, bag);
  return bag.items;
}

function checkDuplicateTaskIds(dag: Dag, bag: DiagnosticBag): void {
  const seen = new Map<string, Task>();
  for (const task of dag.tasks) {
    const first = seen.get(task.task_id);
    if (first) {
      bag.error(
        DiagnosticCode.DUPLICATE_TASK_ID,
        `DAG '${dag.dag_id}': task id '${task.task_id}' is used twice (first at line ${first.source.line})`,
        task.source,
        { dag_id: dag.dag_id, task_id: task.task_id, hint: 'task ids must be unique within a DAG; in loops, build the id from the loop variable' },
      );
    } else {
      seen.set(task.task_id, task);
    }
  }
}

function checkEdges(dag: Dag, byId: ReadonlyMap<string, Task>, bag: DiagnosticBag): void {
  const ids = [...byId.keys()];
  // A long downstream list is searched through a set, so a fan-out of n tasks costs O(n), not O(n²).
  const downstreamSets = new Map<Task, ReadonlySet<string>>();
  const recordsDownstream = (up: Task, id: string): boolean => {
    if (up.downstream_task_ids.length <= 16) return up.downstream_task_ids.includes(id);
    let set = downstreamSets.get(up);
    if (!set) downstreamSets.set(up, (set = new Set(up.downstream_task_ids)));
    return set.has(id);
  };
  for (const task of dag.tasks) {
    for (const up of task.upstream_task_ids) {
      if (!byId.has(up)) {
        bag.error(DiagnosticCode.UNKNOWN_UPSTREAM, `task '${task.task_id}' depends on unknown task '${up}'${didYouMean(up, ids)}`, task.source, {
          dag_id: dag.dag_id,
          task_id: task.task_id,
        });
      } else if (!recordsDownstream(byId.get(up)!, task.task_id)) {
        bag.error(DiagnosticCode.UNKNOWN_UPSTREAM, `edge ${up} >> ${task.task_id} is recorded on one side only`, task.source, {
          dag_id: dag.dag_id,
          task_id: task.task_id,
        });
      }
    }
    for (const down of task.downstream_task_ids) {
      if (!byId.has(down)) {
        bag.error(DiagnosticCode.UNKNOWN_UPSTREAM, `task '${task.task_id}' has unknown downstream task '${down}'${didYouMean(down, ids)}`, task.source, {
          dag_id: dag.dag_id,
          task_id: task.task_id,
        });
      }
    }
  }
}

function checkCycles(dag: Dag, byId: ReadonlyMap<string, Task>, bag: DiagnosticBag): void {
  const known = (d: string) => byId.has(d);
  // The task's own list when every id in it is known (the usual case), a filtered copy otherwise.
  const successors = (id: string): readonly string[] => {
    const downs = byId.get(id)?.downstream_task_ids ?? [];
    return downs.every(known) ? downs : downs.filter(known);
  };
  for (const cycle of findCycles([...byId.keys()], successors)) {
    const closing = byId.get(cycle[cycle.length - 1]!)!;
    const path = [...cycle, cycle[0]].join(' >> ');
    bag.error(DiagnosticCode.CYCLE, `DAG '${dag.dag_id}' has a cycle: ${path}`, closing.source, {
      dag_id: dag.dag_id,
      task_id: closing.task_id,
      hint: `remove one of these dependencies, e.g. ${closing.task_id} >> ${cycle[0]}`,
    });
  }
}

function checkTaskFields(dag: Dag, bag: DiagnosticBag): void {
  for (const task of dag.tasks) {
    const ids = { dag_id: dag.dag_id, task_id: task.task_id };
    if (!TRIGGER_RULES.includes(task.trigger_rule)) {
      bag.error(DiagnosticCode.UNKNOWN_TRIGGER_RULE, `task '${task.task_id}': unknown trigger rule '${task.trigger_rule}'${didYouMean(task.trigger_rule, TRIGGER_RULES)}`, task.source, ids);
    }
    const known = task.operator_kind === 'unsupported' || task.operator_kind === 'custom' || operatorByKind(task.operator_kind) !== undefined;
    if (!known) {
      bag.error(DiagnosticCode.UNKNOWN_OPERATOR, `task '${task.task_id}': unknown operator kind '${task.operator_kind}'`, task.source, ids);
    }
    if (task.retries < 0 || !Number.isInteger(task.retries)) {
      bag.error(DiagnosticCode.ARGUMENT_TYPE, `task '${task.task_id}': retries must be a non-negative integer`, task.source, ids);
    }
    // Child runs and Spark submissions are made per task, not per map index.
    const execution = operatorByKind(task.operator_kind)?.execution;
    if (task.expand && (execution === 'child_dag' || execution === 'spark')) {
      bag.error(DiagnosticCode.UNSUPPORTED, `task '${task.task_id}': dynamic task mapping of ${task.operator} is not supported by skydag`, task.source, {
        ...ids,
        hint: 'create one task per item in a for loop over a static list',
      });
    }
  }
}

/**
 * `queue='lambda'` / `queue='fargate'` force a bash/python task's compute (compiler/compute.ts). Lambda
 * cannot honour a longer execution_timeout than its budget: refused, not silently cut at 900 s. On
 * any other task the compute is the operator's own, so the queue is ignored: said, not hidden.
 */
function checkComputeQueues(dag: Dag, bag: DiagnosticBag): void {
  for (const task of dag.tasks) {
    const queue = computeQueue(task);
    if (queue === null || task.operator_kind === 'unsupported') continue;
    const spec = task.operator_kind === 'custom' ? customOperatorSpec(task.operator, task.sensor !== null) : operatorByKind(task.operator_kind);
    if (spec === undefined) continue; // reported as an unknown operator
    const ids = { dag_id: dag.dag_id, task_id: task.task_id };
    const forceable = (spec.execution === 'bash' || spec.execution === 'python') && !spec.sensor && task.sensor === null;
    if (!forceable) {
      const runsOn = describeCompute(taskCompute(task, spec));
      bag.warning(DiagnosticCode.QUEUE_IGNORED, `task '${task.task_id}': queue='${queue}' is ignored: only bash/python tasks (not sensors) can be moved; ${task.operator} runs on ${runsOn}`, task.source, ids);
      continue;
    }
    const timeout = task.execution_timeout_seconds;
    if (queue === 'lambda' && timeout !== null && timeout > LAMBDA_TASK_BUDGET_SECONDS) {
      bag.error(DiagnosticCode.UNSUPPORTED, `task '${task.task_id}': queue='lambda' cannot run a try of execution_timeout ${timeout} s: a Lambda try has at most ${LAMBDA_TASK_BUDGET_SECONDS} s (Lambda stops at 900 s)`, task.source, {
        ...ids,
        hint: `lower execution_timeout to ${LAMBDA_TASK_BUDGET_SECONDS} s or less, or drop queue= to run the task on Fargate`,
      });
    }
  }
}

/**
 * A branch callable must name tasks or task groups of the DAG (Airflow fails the run otherwise); one
 * that is not a direct downstream task follows nothing itself (only its downstream tasks are kept from
 * the skip), which is worth a warning. Task groups prefix ids, so a target written without the prefix
 * is the classic mistake: suggest the prefixed id.
 */
function checkBranchTargets(dag: Dag, byId: ReadonlyMap<string, Task>, bag: DiagnosticBag): void {
  for (const task of dag.tasks) {
    if (!task.branch_targets) continue;
    const groups = new Set(dag.task_groups.map((g) => g.group_id));
    const direct = new Set(task.downstream_task_ids);
    const groupRoots = new Map<string, string[]>();
    for (const down of task.downstream_task_ids) {
      const group = byId.get(down)?.task_group_id;
      if (group) groupRoots.set(group, [...(groupRoots.get(group) ?? []), down]);
    }
    for (const target of task.branch_targets) {
      if (direct.has(target) || groupRoots.has(target)) continue;
      const prefixed = task.downstream_task_ids.find((d) => d.endsWith(`.${target}`));
      const suggestion = prefixed ? ` (did you mean '${prefixed}'? task ids inside a TaskGroup carry the group prefix)` : didYouMean(target, task.downstream_task_ids);
      const hint = `direct downstream tasks: ${task.downstream_task_ids.join(', ') || '(none)'}`;
      const where = { dag_id: dag.dag_id, task_id: task.task_id, hint };
      if (byId.has(target) || groups.has(target)) {
        bag.warning(DiagnosticCode.BAD_BRANCH_TARGET, `branch task '${task.task_id}' can return '${target}', which is not one of its direct downstream tasks: it follows nothing itself, only the tasks below it are kept from the skip${suggestion}`, task.source, where);
      } else {
        bag.error(DiagnosticCode.BAD_BRANCH_TARGET, `branch task '${task.task_id}' can return '${target}', which is not a task or task group of this DAG${suggestion}`, task.source, where);
      }
    }
  }
}

/**
 * Airflow's classic trap (book §5.2.2): a join below a branch keeps the default all_success rule, so
 * it is skipped whenever a branch is not taken. Warn where paths from two different direct children
 * of a branching task meet at a task that still uses all_success.
 */
function warnBranchJoins(dag: Dag, byId: ReadonlyMap<string, Task>, bag: DiagnosticBag): void {
  for (const branch of dag.tasks) {
    const spec = operatorByKind(branch.operator_kind);
    if (!spec?.branching || branch.downstream_task_ids.length < 2) continue;
    // owners(x) = the branch's direct children from which x is reachable (a child owns itself).
    const owners = new Map<string, Set<string>>();
    for (const child of branch.downstream_task_ids) {
      const stack = [child];
      const seen = new Set<string>();
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        const set = owners.get(id) ?? new Set<string>();
        set.add(child);
        owners.set(id, set);
        stack.push(...(byId.get(id)?.downstream_task_ids ?? []));
      }
    }
    for (const [id, set] of owners) {
      const join = byId.get(id);
      if (!join || set.size < 2 || join.trigger_rule !== 'all_success') continue;
      // Warn only where the paths meet, not on every task below the meeting point.
      const meetsHere = join.upstream_task_ids.every((u) => (owners.get(u)?.size ?? 0) < 2);
      if (!meetsHere) continue;
      bag.warning(
        DiagnosticCode.BRANCH_JOIN,
        `task '${id}' joins the paths of branch '${branch.task_id}' with trigger_rule all_success: it will be skipped whenever a path is not taken`,
        join.source,
        { dag_id: dag.dag_id, task_id: id, hint: "use trigger_rule='none_failed_min_one_success' (or 'none_failed') on the join" },
      );
    }
  }
}

function checkDagFields(dag: Dag, bag: DiagnosticBag): void {
  const ids = { dag_id: dag.dag_id };
  if (dag.schedule.type === 'cron') {
    const problem = cronProblem(dag.schedule.cron);
    if (problem) bag.error(DiagnosticCode.BAD_SCHEDULE, `DAG '${dag.dag_id}': invalid cron expression '${dag.schedule.cron}': ${problem}`, dag.source, ids);
    if (dag.schedule.timezone !== undefined && !isValidTimeZone(dag.schedule.timezone)) {
      bag.error(DiagnosticCode.BAD_DATE, `DAG '${dag.dag_id}': unknown timetable time zone '${dag.schedule.timezone}'`, dag.source, ids);
    }
  }
  for (const [name, value] of [['start_date', dag.start_date], ['end_date', dag.end_date]] as const) {
    if (value !== null && Number.isNaN(Date.parse(value))) {
      bag.error(DiagnosticCode.BAD_DATE, `DAG '${dag.dag_id}': ${name} '${value}' is not an ISO-8601 date`, dag.source, ids);
    }
  }
  if (!isValidTimeZone(dag.timezone)) {
    bag.error(DiagnosticCode.BAD_DATE, `DAG '${dag.dag_id}': unknown time zone '${dag.timezone}'`, dag.source, { ...ids, hint: 'use an IANA zone name such as Europe/Berlin' });
  }
}

