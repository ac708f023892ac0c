/**
 * Deciding tasks and answering their tokens. Every task's prepare state waits on a task token; this
 * module decides, whenever something changed (a task arrived in prepare, finished, failed for good, or
 * was skipped by a branch), which tasks can now run, be skipped or be marked upstream_failed — and
 * answers their tokens. Each decision is claimed with a conditional write, so when several handlers
 * race to decide the same task, exactly one answers it.
 */
import type { TaskInstanceRecord } from '../../model/records.js';
import type { Dag, Task } from '../../model/schema.js';
import { ConditionFailedError } from '../../stores/metadata.js';
import { evaluateTask, dependsOnPastSatisfied } from '../propagation.js';
import { TaskState, isFinished, normalizeTaskState } from '../states.js';
import { TriggerDecision } from '../trigger-rules.js';
import type { HandOffResult, PrepareResult } from '../protocol.js';
import { settleTaskEffects } from './task-effects.js';
import type { RuntimeDeps } from './deps.js';
import { loadRunContext, type RunContext } from './run-context.js';
import { mappedDecision, startMappedTask } from './mapped.js';
import { decideGroupTask, mappedGroupOf } from './mapped-groups.js';
import { acquireTrySlots, concurrencyLimited, dagSlotScope, poolLimit, releaseTrySlots } from './slots.js';
import { deliverAnswer } from './token-answers.js';

export function stateOfTi(ti: TaskInstanceRecord | undefined): TaskState {
  return normalizeTaskState(ti?.state ?? null);
}

/**
 * Answers a decided task's waiting token, then forgets the token: a recorded token with a decision
 * means "decided, not yet answered", which a redelivered handler or the reconciler answers again
 * (answering twice is harmless: the second answer finds nothing waiting). Throws when every attempt
 * failed transiently (see token-answers.ts), leaving the token recorded.
 */
export async function answer(deps: RuntimeDeps, ti: TaskInstanceRecord, result: PrepareResult): Promise<void> {
  const token = ti.token;
  if (!token) return;
  // 'gone' (the execution stopped, or the token has its answer already) needs nothing more either.
  await deliverAnswer(deps, (tokens) => tokens.sendSuccess(token, result));
  try {
    await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, { token: null }, { tokenIs: token });
  } catch (err) {
    if (!(err instanceof ConditionFailedError)) throw err; // a newer token (a redelivered prepare) is waiting: keep it
  }
}

/** The answer of a task decided earlier (a mapped task that runs is told its map indexes again). */
export async function decidedAnswer(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord, decision: 'run' | 'skip'): Promise<PrepareResult> {
  return ctx.task(ti.task_id).expand ? mappedDecision(deps, ti, decision) : { decision, try_number: ti.try_number };
}

/** Writes `changes` only if the task instance is still as we read it; false when we lost the race. */
async function claim(deps: RuntimeDeps, ti: TaskInstanceRecord, changes: Partial<TaskInstanceRecord>): Promise<TaskInstanceRecord | undefined> {
  try {
    return await deps.store.updateTaskInstance(ti.dag_id, ti.run_id, ti.task_id, changes, {
      stateIn: [ti.state],
      tryNumber: ti.try_number,
      ...(ti.decision === null ? { decisionAbsent: true } : {}),
    });
  } catch (err) {
    if (err instanceof ConditionFailedError) return undefined;
    throw err;
  }
}

async function pastDependsMet(deps: RuntimeDeps, ctx: RunContext, taskId: string): Promise<boolean> {
  const [previous] = await deps.store.listDagRuns(ctx.run.dag_id, { logicalDateBefore: ctx.run.logical_date, limit: 1 });
  if (!previous) return true;
  const ti = await deps.store.getTaskInstance(previous.dag_id, previous.run_id, taskId);
  return dependsOnPastSatisfied(ti ? stateOfTi(ti) : TaskState.NONE);
}

/**
 * Task instances waiting in prepare for a concurrency or pool slot (woken when one frees). They are
 * the `scheduled` ones (see startTry): tasks still waiting for their upstream tasks are woken by those.
 */
export async function waitingTasks(deps: RuntimeDeps, ctx: RunContext): Promise<string[]> {
  const tis = await deps.store.listTaskInstances(ctx.run.dag_id, ctx.run.run_id, { states: [TaskState.SCHEDULED] });
  return tis.filter((ti) => ti.token && ti.decision === null).map((ti) => ti.task_id);
}

/** Decides the candidate tasks (and, transitively, the tasks their skips make decidable). */
export async function advance(deps: RuntimeDeps, ctx: RunContext, candidates: Iterable<string>): Promise<void> {
  const queue = [...new Set(candidates)];
  const queued = new Set(queue);
  const enqueue = (ids: Iterable<string>) => {
    for (const id of ids) {
      if (queued.has(id)) continue;
      queued.add(id);
      queue.push(id);
    }
  };
  while (queue.length > 0) {
    const taskId = queue.shift()!;
    queued.delete(taskId);
    const ti = await deps.store.getTaskInstance(ctx.run.dag_id, ctx.run.run_id, taskId);
    if (!ti) continue;
    const state = stateOfTi(ti);
    // Decided but not answered (the answer failed, or its handler crashed in between): answer it now.
    if (ti.token && ti.decision !== null) await answer(deps, ti, await decidedAnswer(deps, ctx, ti, ti.decision));

    // A lost race means the task changed under us: look at it again with fresh data. States only move
    // forward (and each decision is taken once), so this terminates.
    const retryLater = () => enqueue([taskId]);

    if (isFinished(state)) {
      // Finished without running (skipped by a branch, marked upstream_failed): answer a waiting prepare.
      if (ti.token && ti.decision === null) {
        if (await claim(deps, ti, { decision: 'skip' })) await answer(deps, ti, { decision: 'skip', try_number: ti.try_number });
        else retryLater();
      }
      continue;
    }
    if (state === TaskState.UP_FOR_RETRY) {
      if (!ti.token || ti.decision !== null) continue;
      // What the failed try still owes (its fail died after the claim) is sent before the next try starts, as in Airflow.
      await settleTaskEffects(deps, ctx, ti);
      if ((await startTry(deps, ctx, ti)) === 'lost') retryLater();
      continue;
    }
    if (state !== TaskState.NONE && state !== TaskState.SCHEDULED) continue; // queued or running: in flight

    const result = await evaluateUpstream(deps, ctx, taskId);
    if (result.decision === TriggerDecision.WAIT) continue;

    if (result.decision === TriggerDecision.RUN) {
      if (!ti.token || ti.decision !== null) continue; // its own prepare will decide when it arrives
      if ((await startTry(deps, ctx, ti)) === 'lost') retryLater();
      continue;
    }
    const finalState = result.decision === TriggerDecision.SKIP ? TaskState.SKIPPED : TaskState.UPSTREAM_FAILED;
    const now = deps.clock().toISOString();
    const claimed = await claim(deps, ti, { state: finalState, end_date: now, start_date: ti.start_date ?? now, duration: 0, ...(ti.token ? { decision: 'skip' as const } : {}) });
    if (!claimed) {
      retryLater();
      continue;
    }
    if (ti.token) await answer(deps, ti, { decision: 'skip', try_number: ti.try_number });
    else enqueue([taskId]); // its prepare may have left a token meanwhile: answer it on the next look
    enqueue(ctx.index.downstream.get(taskId) ?? []);
    if (finalState === TaskState.SKIPPED) await wakeDependsOnPast(deps, ctx, [taskId]);
  }
}

/**
 * depends_on_past across runs: a task instance held back because the same task of the previous run
 * had not ended in success/skipped waits in prepare with no decision. Airflow's scheduler re-checks
 * such instances on every loop; here the instance that finished wakes the same task in the later
 * running runs of the DAG (each re-checks its own previous run). Without this, a run that started
 * while the previous one was still running waited forever.
 */
async function wakeDependsOnPast(deps: RuntimeDeps, ctx: RunContext, taskIds: readonly string[]): Promise<void> {
  const ids = taskIds.filter((id) => ctx.index.tasks.get(id)?.depends_on_past);
  if (ids.length === 0) return;
  const after = Date.parse(ctx.run.logical_date);
  const later = (await deps.store.listActiveDagRuns({ dagId: ctx.run.dag_id, states: ['running'] })).filter((r) => r.run_id !== ctx.run.run_id && Date.parse(r.logical_date) > after);
  for (const run of later.reverse()) {
    const laterCtx = await loadRunContext(deps, { dag_id: run.dag_id, run_id: run.run_id });
    await advance(deps, laterCtx, ids.filter((id) => laterCtx.index.tasks.has(id)));
  }
}

/** A task's trigger rule applied to the current states of its upstream tasks (`known`: states just written, not read again). */
async function evaluateUpstream(deps: RuntimeDeps, ctx: RunContext, taskId: string, known: ReadonlyMap<string, TaskState> = new Map()): Promise<ReturnType<typeof evaluateTask>> {
  const upstream = ctx.index.upstream.get(taskId) ?? [];
  const task = ctx.task(taskId);
  const grouped = mappedGroupOf(task) !== undefined;
  // States just written are not read again unless a mapped group needs the records' per-index states;
  // the others in one batch read (a fan-in's many upstream tasks: a few round trips, not one each).
  const wanted = upstream.filter((u) => grouped || !known.has(u));
  const { dag_id: dagId, run_id: runId } = ctx.run;
  if (!grouped) {
    // Only the states: the records are not needed (nor copied, nor read whole from the table).
    const read = wanted.length === 0 ? [] : await deps.store.getTaskInstanceStates(dagId, runId, wanted);
    const byId = new Map(wanted.map((u, i) => [u, read[i]]));
    return evaluateTask(ctx.index, taskId, new Map(upstream.map((u): [string, TaskState] => [u, known.get(u) ?? normalizeTaskState(byId.get(u) ?? null)])));
  }
  const read = wanted.length === 0 ? [] : wanted.length === 1 ? [await deps.store.getTaskInstance(dagId, runId, wanted[0]!)] : await deps.store.getTaskInstances(dagId, runId, wanted);
  const byId = new Map(wanted.map((u, i) => [u, read[i]]));
  const tis = upstream.map((u) => byId.get(u));
  const states = new Map(upstream.map((u, i): [string, TaskState] => [u, known.get(u) ?? stateOfTi(tis[i])]));
  return decideGroupTask(ctx, task, states, tis.filter((ti) => ti !== undefined)) ?? evaluateTask(ctx.index, taskId, states);
}

/**
 * `started`: the try was claimed (and a waiting token answered); `held`: depends_on_past or a full
 * slot scope keeps it waiting (woken later); `lost`: the claim lost a race (the caller looks again).
 */
type TryStart = 'started' | 'held' | 'lost';

/** Claims the next try of a task whose dependencies are met, unless depends_on_past or concurrency holds it. */
async function startTry(deps: RuntimeDeps, ctx: RunContext, ti: TaskInstanceRecord): Promise<TryStart> {
  const task = ctx.task(ti.task_id);
  if (task.depends_on_past && stateOfTi(ti) === TaskState.NONE && !(await pastDependsMet(deps, ctx, ti.task_id))) return 'held';
  const tryNumber = ti.try_number + 1;
  if (!(await acquireTrySlots(deps, ctx.dag, task, ti, tryNumber))) {
    // Woken again when a running task of this DAG (or of the pool) finishes and frees a slot: as in
    // Airflow, a task whose dependencies are met and that waits for a slot is `scheduled`, which is
    // how the wakers find it without reading every task instance of the run. Once marked, look again:
    // a slot freed between the failed take and the mark woke no one.
    if (ti.state === TaskState.SCHEDULED) return 'held';
    await claim(deps, ti, { state: TaskState.SCHEDULED });
    return 'lost';
  }
  if (task.expand) return startMapped(deps, ctx, task, ti, tryNumber);
  const claimed = await claim(deps, ti, { decision: 'run', state: TaskState.QUEUED, try_number: tryNumber, queued_when: deps.clock().toISOString(), end_date: null });
  if (!claimed) {
    // A twin that claimed this very try holds the same slots (taking is idempotent per holder): they are its now.
    const now = await deps.store.getTaskInstance(ti.dag_id, ti.run_id, ti.task_id);
    const twinClaimed = now?.try_number === tryNumber && (now.state === TaskState.QUEUED || now.state === TaskState.RUNNING);
    if (!twinClaimed) await releaseTrySlots(deps, ctx.dag, task, ti, tryNumber);
    return 'lost';
  }
  await answer(deps, ti, { decision: 'run', try_number: tryNumber });
  return 'started';
}

/** A mapped task starts: it is expanded and runs its indexes, or ends at once (nothing to map over, or unmappable). */
async function startMapped(deps: RuntimeDeps, ctx: RunContext, task: Task, ti: TaskInstanceRecord, tryNumber: number): Promise<TryStart> {
  const started = await startMappedTask(deps, ctx, ti, tryNumber);
  if (started.kind === 'lost') {
    const now = await deps.store.getTaskInstance(ti.dag_id, ti.run_id, ti.task_id);
    if (now?.try_number !== tryNumber) await releaseTrySlots(deps, ctx.dag, task, ti, tryNumber);
    return 'lost';
  }
  if (started.kind === 'run') {
    await answer(deps, ti, started.result);
    return 'started';
  }
  await answer(deps, ti, { decision: 'skip', try_number: tryNumber });
  await afterTaskFinished(deps, ctx, [ti.task_id], { task, tryNumber });
  return 'started';
}

/**
 * The next task of a chain, entered straight from its upstream task's complete (compiled so when
 * nothing but that upstream task should hold it; see blocks.ts): started here when its trigger rule
 * lets it run now, its try returned instead of sent to a token. Anything else — it must be skipped or
 * wait, a slot or depends_on_past holds it, it was decided already (a retried complete, a restarted
 * run), a race — answers `wait`: the block then enters its prepare, which waits on a token and
 * decides as for any task. `known`: upstream states the caller just wrote.
 */
export async function handOff(deps: RuntimeDeps, ctx: RunContext, taskId: string, known: ReadonlyMap<string, TaskState>): Promise<HandOffResult> {
  const ti = await deps.store.getTaskInstance(ctx.run.dag_id, ctx.run.run_id, taskId);
  const wait: HandOffResult = { decision: 'wait', try_number: ti?.try_number ?? 0 };
  if (!ti || ti.token || ti.decision !== null || stateOfTi(ti) !== TaskState.NONE || ctx.task(taskId).expand) return wait;
  if ((await evaluateUpstream(deps, ctx, taskId, known)).decision !== TriggerDecision.RUN) return wait;
  return (await startTry(deps, ctx, ti)) === 'started' ? { decision: 'run', try_number: ti.try_number + 1 } : wait;
}

/**
 * Tasks waiting in prepare in every running run of the DAG (woken when slots free up): only as many
 * at a time as the DAG's max_active_tasks has free slots (waking every waiter made each of them try
 * the full scope and lose). A woken task that another scope (a pool) still holds gives its slot back,
 * so the next batch is woken until the DAG is full or no one waits.
 *
 * `indexed` (a try ended: the hot path) takes the next waiters from the store's index of waiting task
 * instances, so a completion costs the waiters it wakes; `every` (scheduler passes, task states set by
 * hand) lists each running run's scheduled task instances, which also finds waiters the index does
 * not have (scheduled before the index came, or not yet visible in it).
 */
export async function wakeWaitingTasks(deps: RuntimeDeps, ctx: RunContext, how: 'indexed' | 'every' = 'every'): Promise<void> {
  const contexts = new Map([[ctx.run.run_id, ctx]]);
  let othersRead = false;
  const contextOf = async (runId: string): Promise<RunContext | undefined> => {
    if (!othersRead) {
      othersRead = true;
      for (const other of await deps.store.listActiveDagRuns({ dagId: ctx.run.dag_id, states: ['running'] })) {
        if (!contexts.has(other.run_id)) contexts.set(other.run_id, { ...ctx, run: other, ref: { dag_id: other.dag_id, run_id: other.run_id } });
      }
    }
    return contexts.get(runId);
  };
  const runningContexts = async () => {
    await contextOf(ctx.run.run_id);
    return [...contexts.values()];
  };
  const tried = new Set<string>();
  const nextWaiters = how === 'indexed' ? indexedWaiters(deps, ctx, contextOf, tried) : await listedWaiters(deps, await runningContexts());
  for (;;) {
    const free = await freeDagSlots(deps, ctx.dag);
    if (free === 0) return;
    const batch = await nextWaiters(free);
    if (batch.length === 0) return;
    for (const w of batch) tried.add(`${w.ctx.run.run_id}\0${w.taskId}`);
    for (const c of new Set(batch.map((w) => w.ctx))) {
      await advance(
        deps,
        c,
        batch.filter((w) => w.ctx === c).map((w) => w.taskId),
      );
    }
  }
}

type Waiter = { ctx: RunContext; taskId: string };
type NextWaiters = (free: number) => Promise<Waiter[]>;

/** Every running run's waiting tasks (this run's first), listed once, handed out in turn. */
async function listedWaiters(deps: RuntimeDeps, runs: readonly RunContext[]): Promise<NextWaiters> {
  const waiting: Waiter[] = [];
  for (const c of runs) for (const taskId of await waitingTasks(deps, c)) waiting.push({ ctx: c, taskId });
  let next = 0;
  return async (free) => {
    const batch = waiting.slice(next, next + free);
    next += batch.length;
    return batch;
  };
}

/**
 * The next waiters from the store's index, skipping those tried already in this wake, of runs that
 * are not running, or no longer waiting in prepare (the index may lag behind the records).
 */
function indexedWaiters(deps: RuntimeDeps, ctx: RunContext, contextOf: (runId: string) => Promise<RunContext | undefined>, tried: ReadonlySet<string>): NextWaiters {
  return async (free) => {
    for (let limit = tried.size + (Number.isFinite(free) ? free : 0); ; limit = limit * 2 + free) {
      const tis = await deps.store.listWaitingTaskInstances(ctx.run.dag_id, Number.isFinite(free) ? limit : undefined);
      const batch: Waiter[] = [];
      for (const ti of tis) {
        if (batch.length >= free) break;
        if (tried.has(`${ti.run_id}\0${ti.task_id}`) || !ti.token || ti.decision !== null) continue;
        const c = await contextOf(ti.run_id);
        if (c) batch.push({ ctx: c, taskId: ti.task_id });
      }
      if (batch.length >= free || !Number.isFinite(free) || tis.length < limit) return batch;
    }
  };
}

/** Free slots of the DAG's max_active_tasks scope (Infinity when it does not bind). */
async function freeDagSlots(deps: RuntimeDeps, dag: Dag): Promise<number> {
  if (!concurrencyLimited(dag)) return Infinity;
  const held = (await deps.store.listSlotHolders(dagSlotScope(dag.dag_id))).reduce((n, h) => n + h.slots, 0);
  return Math.max(0, dag.max_active_tasks - held);
}

/**
 * After a try ended (final state or up_for_retry): frees the slots it held (DAG concurrency, pool),
 * then decides its downstream tasks and, when slots were freed, the waiting tasks of every running run
 * of the DAG. (Tasks of other DAGs waiting on the same pool are woken by the scheduler's passes.)
 * Idempotent: a redelivered handler calls it again.
 */
export async function afterTaskFinished(
  deps: RuntimeDeps,
  ctx: RunContext,
  taskIds: readonly string[],
  ended: { task: Task; tryNumber: number } | null,
  /** A downstream task the caller decides itself (handOff). */
  handedOff?: string,
): Promise<void> {
  const candidates = taskIds.flatMap((id) => ctx.index.downstream.get(id) ?? []).filter((id) => id !== handedOff);
  const pooled = ended !== null && (await poolLimit(deps, ended.task)) !== undefined;
  if (ended) await releaseTrySlots(deps, ctx.dag, ended.task, { ...ctx.ref, task_id: ended.task.task_id }, ended.tryNumber);
  if (!concurrencyLimited(ctx.dag) && !pooled) {
    await advance(deps, ctx, candidates);
    return wakeDependsOnPast(deps, ctx, taskIds);
  }
  await advance(deps, ctx, candidates);
  await wakeWaitingTasks(deps, ctx, 'indexed');
  await wakeDependsOnPast(deps, ctx, taskIds);
}
