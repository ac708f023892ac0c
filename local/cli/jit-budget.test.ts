import { FEW_CPUS, HELD_BACK_BUDGET, holdBackJitFor, holdsBackJit, MANY_TASKS } from './jit-budget.js';

describe("holding back V8's optimizing compiler in commands that run many tasks", () => {
  it('holds it back only with few CPUs and many tasks', () => {
    expect(holdsBackJit(MANY_TASKS, FEW_CPUS)).toBe(true);
    expect(holdsBackJit(10_000, 1)).toBe(true);
    expect(holdsBackJit(MANY_TASKS - 1, FEW_CPUS)).toBe(false); // a small DAG gains less than the flag change costs
    expect(holdsBackJit(10_000, FEW_CPUS + 1)).toBe(false); // the compiles have a CPU of their own
  });

  it('sets the interrupt budget once per process, and not at all when it does not pay', async () => {
    const set: string[] = [];
    const setFlags = (flags: string) => void set.push(flags);
    await expect(holdBackJitFor(3, 2, setFlags)).resolves.toBe(false);
    await expect(holdBackJitFor(100, 8, setFlags)).resolves.toBe(false);
    expect(set).toEqual([]);
    await expect(holdBackJitFor(100, 2, setFlags)).resolves.toBe(true);
    await expect(holdBackJitFor(1_000, 2, setFlags)).resolves.toBe(false);
    expect(set).toEqual([`--interrupt-budget=${HELD_BACK_BUDGET}`]);
  });
});
