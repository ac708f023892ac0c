/**
 * Test helper: runs a DAG to completion with the runtime core alone, the way the engine will —
 * propagate, execute every scheduled task with a scripted outcome, write the skips a branching
 * operator asks for, repeat — so whole-DAG scenarios (the book's cases) can be asserted.
 */
import { type LatestOnlyInput, resolveBranch, resolveLatestOnly, resolveShortCircuit } from '../branching.js';
import type { DagIndex } from '../graph.js';
import { type StateMap, propagate, stateOf } from '../propagation.js';
import { type RunStateResult, evaluateRunState } from '../run-state.js';
import { TaskState } from '../states.js';

export type Outcome =
  | 'success'
  | 'failed'
  | 'skipped'
  | { branch: unknown }
  | { shortCircuit: unknown; ignoreDownstreamTriggerRules?: boolean }
  | { latestOnly: LatestOnlyInput };

export interface SimulationResult {
  states: Record<string, TaskState>;
  /** Waves of tasks that ran together. */
  waves: string[][];
  run: RunStateResult;
  errors: Record<string, string>;
}

export function simulateRun(dag: DagIndex, outcomes: Record<string, Outcome> = {}, initial: StateMap = {}): SimulationResult {
  let states: Record<string, TaskState> = {};
  for (const id of dag.order) states[id] = stateOf(initial, id);
  const waves: string[][] = [];
  const errors: Record<string, string> = {};
  for (let guard = 0; guard < 10_000; guard++) {
    states = propagate(dag, states).states;
    const wave = dag.order.filter((id) => states[id] === TaskState.SCHEDULED);
    if (wave.length === 0) break;
    waves.push(wave);
    const skips: string[] = [];
    for (const id of wave) {
      const outcome = outcomes[id] ?? 'success';
      if (typeof outcome === 'string') {
        states[id] = outcome;
      } else if ('branch' in outcome) {
        const r = resolveBranch(dag, id, outcome.branch);
        if (r.ok) {
          states[id] = TaskState.SUCCESS;
          skips.push(...r.skipped);
        } else {
          states[id] = TaskState.FAILED;
          errors[id] = r.error;
        }
      } else if ('shortCircuit' in outcome) {
        states[id] = TaskState.SUCCESS;
        skips.push(...resolveShortCircuit(dag, id, outcome.shortCircuit, outcome.ignoreDownstreamTriggerRules ?? true).skipped);
      } else {
        states[id] = TaskState.SUCCESS;
        skips.push(...resolveLatestOnly(dag, id, outcome.latestOnly).skipped);
      }
    }
    for (const id of skips) states[id] = TaskState.SKIPPED;
  }
  return { states, waves, run: evaluateRunState(dag, states), errors };
}
