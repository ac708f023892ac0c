/** When max_active_tasks binds: only where the DAG's runs could run more tasks at once than that. */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { concurrencyLimited } from './slots.js';

const tasks = (n: number) => Array.from({ length: n }, (_, i) => makeTask(`t${i}`));
const chainEdges = (n: number) => Array.from({ length: n - 1 }, (_, i) => [`t${i}`, `t${i + 1}`] as const);

describe('concurrencyLimited', () => {
  it('does not bind for a DAG with no more tasks than max_active_tasks', () => {
    expect(concurrencyLimited(makeDag('small', tasks(16), [], { max_active_tasks: 16 }))).toBe(false);
  });

  it('does not bind for a chain: one task at a time per run, max_active_runs runs', () => {
    expect(concurrencyLimited(makeDag('chain', tasks(100), chainEdges(100), { max_active_tasks: 16, max_active_runs: 16 }))).toBe(false);
    // Seventeen runs of a chain could run seventeen tasks at once.
    expect(concurrencyLimited(makeDag('chain17', tasks(100), chainEdges(100), { max_active_tasks: 16, max_active_runs: 17 }))).toBe(true);
    expect(concurrencyLimited(makeDag('chain1', tasks(3), chainEdges(3), { max_active_tasks: 1, max_active_runs: 1 }))).toBe(false);
  });

  it('binds for a DAG wider than max_active_tasks / max_active_runs', () => {
    expect(concurrencyLimited(makeDag('wide', tasks(20), [], { max_active_tasks: 16, max_active_runs: 1 }))).toBe(true);
    // Two chains side by side: width 2, two runs: 4 tasks at once.
    const two = [...chainEdges(10), ...Array.from({ length: 9 }, (_, i) => [`t${i + 10}`, `t${i + 11}`] as const)];
    expect(concurrencyLimited(makeDag('two', tasks(20), two, { max_active_tasks: 4, max_active_runs: 2 }))).toBe(false);
    expect(concurrencyLimited(makeDag('two3', tasks(20), two, { max_active_tasks: 4, max_active_runs: 3 }))).toBe(true);
    // A fan-out then fan-in (a → 5 branches → z): five at once.
    const diamond = ['b1', 'b2', 'b3', 'b4', 'b5'].flatMap((b) => [['a', b], [b, 'z']] as const);
    const dag = makeDag('diamond', ['a', 'b1', 'b2', 'b3', 'b4', 'b5', 'z'].map((id) => makeTask(id)), diamond, { max_active_tasks: 5, max_active_runs: 1 });
    expect(concurrencyLimited(dag)).toBe(false);
    expect(concurrencyLimited({ ...dag, max_active_tasks: 4 })).toBe(true);
  });

  it('binds for a DAG with a mapped task (its width is known only when it expands)', () => {
    const mapped = [makeTask('t0'), makeTask('t1', { expand: { target: 'task', kwargs: { x: [1, 2] } } as never }), ...tasks(3).slice(2)];
    expect(concurrencyLimited(makeDag('mapped', mapped, [['t0', 't1'], ['t1', 't2']], { max_active_tasks: 2, max_active_runs: 1 }))).toBe(true);
  });
});
