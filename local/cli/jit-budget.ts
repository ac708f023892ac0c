/**
 * V8's optimizing compiler, held back in a command that runs many tasks on a machine with few CPUs.
 *
 * TurboFan compiles a function once it has run ~66 KB of bytecode three times, on a background thread.
 * A `dags test` of 100 tasks makes hundreds of functions hot that way: in a 1.1 s run of a 100-task
 * chain it compiled 308 of them for 663 ms of CPU (`--trace-opt`). With two CPUs that thread takes the
 * CPU the task processes, the spawner and the store need, and the run waits for them. With a budget
 * six times larger it compiled 42 (50 ms); the command used ~25% less CPU (fan-in of 200: 1.5 → 1.1 s
 * user) and ended sooner (2 CPUs, interleaved medians: chain of 100 1,164 → 1,107 ms, fan-in of 200
 * 1,642 → 1,484 ms; 1,000 independent tasks 5.01 → 4.95 s, 10,000 layered tasks no slower).
 *
 * Only where it pays. With more CPUs the compiles run beside the run, and their code is faster (the
 * main thread's own CPU time for the fan-in was ~4% lower with the default budget). And changing any
 * V8 flag costs ~25 ms (measured with a value that changes nothing else: V8 then refuses Node's cached
 * code for the modules loaded afterwards, such as a worker's bootstrap), more than a small DAG gains.
 */
import { availableParallelism } from 'node:os';

/** At most this many CPUs: the compiler's thread competes with the task processes. */
export const FEW_CPUS = 2;
/** At least this many tasks: ~0.5–1 ms saved per task outweighs the ~25 ms a flag change costs. */
export const MANY_TASKS = 50;
/** TurboFan's interrupt budget, six times V8's default (66 KB in Node 20). */
export const HELD_BACK_BUDGET = 400 * 1024;

export function holdsBackJit(tasks: number, cpus: number): boolean {
  return cpus <= FEW_CPUS && tasks >= MANY_TASKS;
}

let heldBack = false;

/** Sets V8 flags; node:v8 loads only here (~2 ms: this module is part of every CLI start, `--help` too). */
async function setV8Flags(flags: string): Promise<void> {
  (await import('node:v8')).setFlagsFromString(flags);
}

/** Raises the budget (once per process) when this command is about to run a DAG of `tasks` tasks on few CPUs. */
export async function holdBackJitFor(tasks: number, cpus = availableParallelism(), setFlags: (flags: string) => void | Promise<void> = setV8Flags): Promise<boolean> {
  if (heldBack || !holdsBackJit(tasks, cpus)) return false;
  heldBack = true;
  await setFlags(`--interrupt-budget=${HELD_BACK_BUDGET}`);
  return true;
}
