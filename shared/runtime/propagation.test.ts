import { indexDag } from './graph.js';
import { dependsOnPastSatisfied, propagate, waitForDownstreamSatisfied } from './propagation.js';
import type { TaskState } from './states.js';
import { dagOf } from './test-support/dag-dsl.js';

const decided = (r: ReturnType<typeof propagate>) => r.decisions.map((d) => `${d.round}:${d.task_id}=${d.decision}`);

describe('propagate', () => {
  it('starts the root tasks of a new run', () => {
    const dag = dagOf(['a >> b', 'c']);
    const r = propagate(dag, {});
    expect(decided(r)).toEqual(['1:a=run', '1:c=run']);
    expect(r.states).toEqual({ a: 'scheduled', b: 'none', c: 'scheduled' });
    expect(r.waiting).toEqual([{ task_id: 'b', reason: '0 of 1 upstream task succeeded, 1 has not finished; waiting: all_success needs every upstream task to succeed' }]);
  });

  it('reads null as no state', () => {
    const dag = dagOf(['a >> b']);
    expect(decided(propagate(dag, { a: null, b: null }))).toEqual(['1:a=run']);
    expect(propagate(dag, new Map([['a', 'failed' as const]])).states).toEqual({ a: 'failed', b: 'upstream_failed' });
  });

  it('leaves tasks that already have a state alone', () => {
    const dag = dagOf(['a >> b']);
    expect(propagate(dag, { a: 'running' }).decisions).toEqual([]);
    expect(propagate(dag, new Map<string, TaskState>([['a', 'success'], ['b', 'up_for_retry']])).decisions).toEqual([]);
  });

  it('cascades upstream_failed down a chain, one round per level', () => {
    const dag = dagOf(['a >> b >> c >> d >> e']);
    const r = propagate(dag, { a: 'failed' });
    expect(decided(r)).toEqual(['1:b=upstream_failed', '2:c=upstream_failed', '3:d=upstream_failed', '4:e=upstream_failed']);
  });

  describe('on a W-shaped DAG (not series-parallel)', () => {
    // t1 >> b1 << t2 >> b2 << t3, and each bottom has a child.
    const w = (rules = {}) => dagOf(['t1 >> b1', 't2 >> [b1, b2]', 't3 >> b2', 'b1 >> c1', 'b2 >> c2'], rules);

    it('fails fast through the shared middle task while a sibling still runs', () => {
      const r = propagate(w(), { t1: 'success', t2: 'failed', t3: 'running' });
      expect(decided(r)).toEqual(['1:b1=upstream_failed', '1:b2=upstream_failed', '2:c1=upstream_failed', '2:c2=upstream_failed']);
    });

    it('lets a one_success bottom run as soon as its other upstream succeeds', () => {
      const r = propagate(w({ b2: 'one_success' }), { t1: 'success', t2: 'failed', t3: 'success' });
      expect(decided(r)).toEqual(['1:b1=upstream_failed', '1:b2=run', '2:c1=upstream_failed']);
      expect(r.states.c2).toBe('none');
    });

    it('cascades a skip to grandchildren, and none_failed joins still run', () => {
      const r = propagate(w({ c2: 'none_failed' }), { t1: 'success', t2: 'skipped', t3: 'success' });
      expect(decided(r)).toEqual(['1:b1=skip', '1:b2=skip', '2:c1=skip', '2:c2=run']);
    });
  });

  describe('on a diamond with a cross edge', () => {
    // r >> a >> [b, c] >> d, plus b >> c and an independent e >> d.
    const diamond = (rules = {}) => dagOf(['r >> a >> [b, c] >> d', 'b >> c', 'e >> d'], rules);

    it('skips both sides in one round and the join in the next', () => {
      const r = propagate(diamond(), { r: 'success', a: 'skipped', e: 'running' });
      expect(decided(r)).toEqual(['1:b=skip', '1:c=skip', '2:d=skip']);
    });

    it('a none_failed join waits for its independent upstream, then runs', () => {
      const waiting = propagate(diamond({ d: 'none_failed' }), { r: 'success', a: 'skipped', e: 'running' });
      expect(decided(waiting)).toEqual(['1:b=skip', '1:c=skip']);
      expect(waiting.waiting).toEqual([
        { task_id: 'd', reason: '0 of 3 upstream tasks succeeded, 2 were skipped, 1 has not finished; waiting: none_failed needs every upstream task to succeed or be skipped' },
      ]);
      const done = propagate(diamond({ d: 'none_failed' }), { ...waiting.states, e: 'success' });
      expect(decided(done)).toEqual(['1:d=run']);
    });

    it('the cross edge makes c wait for b', () => {
      const r = propagate(diamond(), { r: 'success', a: 'success', e: 'running' });
      expect(decided(r)).toEqual(['1:b=run']);
      expect(r.states.c).toBe('none');
      expect(propagate(diamond(), { r: 'success', a: 'success', b: 'success', e: 'success' }).decisions.map((d) => d.task_id)).toEqual(['c']);
    });
  });

  it("decides in rounds, on a snapshot, like Airflow's scheduler loop", () => {
    // t has upstream A (already skipped) and U, which becomes upstream_failed in the same round:
    // Airflow's loop sees only A's skip, so t is skipped (a topological pass would say upstream_failed).
    const dag = dagOf(['f >> u >> t', 'a >> t']);
    expect(decided(propagate(dag, { f: 'failed', a: 'skipped' }))).toEqual(['1:u=upstream_failed', '1:t=skip']);
    // Had U's state been known first, the failure wins over the skip.
    expect(decided(propagate(dag, { f: 'failed', u: 'upstream_failed', a: 'skipped' }))).toEqual(['1:t=upstream_failed']);
  });

  it('runs one_failed alerts eagerly', () => {
    const dag = dagOf(['[a, b, c] >> alert'], { alert: 'one_failed' });
    expect(decided(propagate(dag, { a: 'failed', b: 'running', c: 'none' }))).toEqual(['1:c=run', '1:alert=run']);
    expect(decided(propagate(dag, { a: 'success', b: 'success', c: 'success' }))).toEqual(['1:alert=skip']);
  });

  it('holds back a depends_on_past task whose previous instance did not succeed', () => {
    const dag = dagOf(['a >> b'], {}, { extra: { b: { depends_on_past: true } } });
    const blocked = propagate(dag, { a: 'success' }, { pastDependsMet: () => false });
    expect(blocked.decisions).toEqual([]);
    expect(blocked.waiting).toEqual([
      { task_id: 'b', reason: 'depends_on_past is set and the previous run of this task did not succeed or skip (or has not run yet)' },
    ]);
    expect(decided(propagate(dag, { a: 'success' }, { pastDependsMet: (id) => id === 'b' }))).toEqual(['1:b=run']);
    // A skip still propagates to a depends_on_past task.
    expect(decided(propagate(dag, { a: 'skipped' }, { pastDependsMet: () => false }))).toEqual(['1:b=skip']);
  });

  it('rejects edges to unknown tasks', () => {
    expect(() => indexDag([{ task_id: 'a', upstream_task_ids: ['ghost'], trigger_rule: 'all_success' }])).toThrow(
      "Task 'a' has an edge to 'ghost', which is not a task in this DAG",
    );
  });
});

describe('depends_on_past helpers', () => {
  it('passes on the first run and after success or skipped', () => {
    expect(dependsOnPastSatisfied(undefined)).toBe(true);
    expect(dependsOnPastSatisfied('success')).toBe(true);
    expect(dependsOnPastSatisfied('skipped')).toBe(true);
  });
  it('blocks after any other state, including a previous run without this task', () => {
    for (const s of ['failed', 'upstream_failed', 'running', 'up_for_retry', 'none', null, 'removed'] as const) {
      expect([s, dependsOnPastSatisfied(s)]).toEqual([s, false]);
    }
  });
  it('wait_for_downstream needs the previous downstream tasks done', () => {
    expect(waitForDownstreamSatisfied([])).toBe(true);
    expect(waitForDownstreamSatisfied(['success', 'skipped'])).toBe(true);
    expect(waitForDownstreamSatisfied(['success', 'running'])).toBe(false);
  });
});
