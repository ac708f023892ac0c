/**
 * A chain's Parallel branches: its blocks rendered and measured once, the chain cut into segments
 * when it alone would exceed a machine's budgets, and each branch with the byte size of its JSON
 * (what counts against the 1 MB definition limit), summed from its blocks instead of measured again
 * (json-bytes.ts: counted, never serialized). The compile of a 10,000-task DAG spends most of its
 * time here, hence the care not to render or measure anything twice.
 */
import type { Task } from '../model/schema.js';
import type { OperatorSpec } from '../operators/registry.js';
import type { AslState, StateMachineDefinition } from './asl.js';
import type { TaskCompute } from './compute.js';
import { renderBlock, renderMappedBlock, type BlockInput, type BlockStates, type ExecuteShape } from './blocks.js';
import { jsonBytes } from './json-bytes.js';
import type { BlockRole, stateNamer } from './names.js';

export interface PlannedTask {
  task: Task;
  spec: OperatorSpec;
  shape: ExecuteShape;
  /** Where the task's code runs (compute.ts), worked out once for its shape and the compiled DAG's `compute`. */
  compute: TaskCompute;
  /** A mapped task whose indexes run as child executions (a Distributed Map), see compileDag. */
  distributed?: boolean;
  /** A mapped task sized at run time (over an XCom): up to this many indexes run inline, more distributed. */
  inlineLimit?: number;
}

export type Namer = ReturnType<typeof stateNamer>;

/** UTF-8 bytes of a value's JSON (what counts against the definition limit), without serializing it. */
export const bytes = jsonBytes;

/**
 * Bytes of a block's states as JSON object members, `{"name":{…},…}`, from one measure of its
 * entries as JSON, `[["name",{…}],…]`: each entry takes two bytes more there (`[`, `]` and `,` for `:`).
 */
const blockBytes = (block: BlockStates) => bytes(block) - 2 * block.length;

/**
 * An empty object for many keys of its own (a branch's state names): V8 would give a plain `{}` a new
 * hidden class for each name added (its first dozen or so), which the 10,000-task compile paid for
 * every branch. Deleting a property other than the last one added turns the object into a dictionary
 * at once; it stays an ordinary object (prototype, key order and JSON unchanged).
 */
function keyedRecord<T>(): Record<string, T> {
  const record: Record<string, T> = {};
  (record as Record<string, unknown>).first = undefined;
  (record as Record<string, unknown>).second = undefined;
  delete record.first;
  delete record.second;
  return record;
}

/** States of a definition, those of its Parallel branches and Map processors included. */
export function countStates(definition: StateMachineDefinition): number {
  let n = 0;
  for (const key in definition.States) n += 1 + nestedStates(definition.States[key]!);
  return n;
}

function nestedStates(state: AslState): number {
  if (state.Type === 'Parallel') return state.Branches.reduce((sum, b) => sum + countStates(b), 0);
  return state.Type === 'Map' ? countStates(state.ItemProcessor) : 0;
}

const blockStates = (block: BlockStates) => block.reduce((sum, [, state]) => sum + 1 + nestedStates(state), 0);

/**
 * A task's states: its block, or for a mapped task the block around its Map state. `handedOff`: the
 * tasks entered from their upstream task's complete; `next`: the task after this one in its branch.
 */
export function renderTaskBlock(planned: PlannedTask, exit: string, name: Namer, handedOff: ReadonlySet<string>, next?: PlannedTask): BlockStates {
  const id = planned.task.task_id;
  const nextId = next?.task.task_id;
  // Optional members set in place, not spread in (this runs for every task of the DAG).
  const input: BlockInput = { task: planned.task, shape: planned.shape, exit, name: (role: BlockRole) => name(id, role) };
  if (handedOff.has(id)) input.handedOff = true;
  if (nextId !== undefined && handedOff.has(nextId)) input.handOffTo = { taskId: nextId, decide: name(nextId, 'decide') };
  if (next === undefined) input.endsBranch = true;
  if (!planned.task.expand) return renderBlock(input);
  return renderMappedBlock({
    ...input,
    indexName: (role) => name(id, `map.${role}`),
    ...(planned.distributed ? { distributed: true } : {}),
    ...(planned.inlineLimit !== undefined ? { sizedAtRunTime: { inlineLimit: planned.inlineLimit, distributedIndexName: (role: BlockRole) => name(id, `dmap.${role}`) } } : {}),
  });
}

/** A branch of the run's (or a part's) Parallel, the bytes of its JSON and its number of states (nested ones included). */
export interface Branch {
  tasks: PlannedTask[];
  definition: StateMachineDefinition;
  bytes: number;
  states: number;
}

export interface Budgets {
  /** Worst-case history events of a task (every retry used). */
  events: (p: PlannedTask) => number;
  /** The most worst-case events one segment may hold. */
  eventBudget: number;
  /** The most bytes one segment may take (as measured below). */
  sizeBudget: number;
}

/** States in `block` that go on to `exit` (each names it once: Next or Default). */
function exitUses(block: BlockStates, exit: string): number {
  let uses = 0;
  for (const [, state] of block) {
    const transition = state as { Next?: string; Default?: string };
    if (transition.Next === exit || transition.Default === exit) uses++;
  }
  return uses;
}

/**
 * The branches of one chain: one, or one per segment when the chain alone would exceed a machine's
 * budgets. A segment's head waits on its token for the previous segment's last task like any other
 * task, so a cut changes nothing about behaviour; it is removed from `handedOff`. A block is measured
 * as if it exited to its own end state (its size does not depend on where its segment ends).
 */
export function chainBranches(chain: PlannedTask[], name: Namer, handedOff: Set<string>, budgets: Budgets): Branch[] {
  const ids = chain.map((p) => p.task.task_id);
  const exitOf = (i: number, head: number, last: number) => (i < last ? name(ids[i + 1]!, 'prepare') : name(ids[head]!, 'end'));
  const last = chain.length - 1;
  const blocks = chain.map((p, i) => renderTaskBlock(p, exitOf(i, 0, last), name, handedOff, chain[i + 1]));
  const sizes = blocks.map(blockBytes);

  // Cut where the next task would take the segment over either budget (a single task always fits).
  const cuts: number[] = [0];
  let events = 0;
  let size = 0;
  chain.forEach((p, i) => {
    const exit = exitOf(i, 0, last);
    const pe = budgets.events(p);
    const pb = chain.length === 1 ? 0 : sizes[i]! + exitUses(blocks[i]!, exit) * (bytes(name(ids[i]!, 'end')) - bytes(exit));
    if (i > cuts[cuts.length - 1]! && (events + pe > budgets.eventBudget || size + pb > budgets.sizeBudget)) {
      cuts.push(i);
      events = 0;
      size = 0;
    }
    events += pe;
    size += pb;
  });
  for (const head of cuts.slice(1)) handedOff.delete(ids[head]!);

  return cuts.map((head, k) => {
    const end = k + 1 < cuts.length ? cuts[k + 1]! - 1 : last;
    const endName = name(ids[head]!, 'end');
    const frame: StateMachineDefinition = { StartAt: name(ids[head]!, 'prepare'), States: { [endName]: { Type: 'Pass', Result: {}, End: true } } };
    // The frame's JSON, then each block's states within its braces and a comma.
    let branchBytes = bytes(frame);
    let stateCount = 1;
    const states = keyedRecord<AslState>();
    for (let i = head; i <= end; i++) {
      // Only a segment's first and last blocks differ from the whole chain's (their entry, next and exit).
      const rerender = cuts.length > 1 && (i === head || i === end);
      const block = rerender ? renderTaskBlock(chain[i]!, exitOf(i, head, end), name, handedOff, i < end ? chain[i + 1] : undefined) : blocks[i]!;
      for (const [stateName, state] of block) states[stateName] = state;
      branchBytes += (rerender ? blockBytes(block) : sizes[i]!) - 2 + 1;
      stateCount += blockStates(block);
    }
    states[endName] = frame.States[endName]!;
    return { tasks: chain.slice(head, end + 1), definition: { StartAt: frame.StartAt, States: states }, bytes: branchBytes, states: stateCount };
  });
}
