import { TRIGGER_RULES, type TriggerRule } from '../model/schema.js';
import { TaskState } from './states.js';
import {
  type TriggerDecision,
  countUpstreamStates,
  decisionToState,
  describeUpstreamCounts,
  evaluateTriggerRule,
  evaluateTriggerRuleForStates,
} from './trigger-rules.js';

/** One letter per upstream state. */
const CODE: Record<string, TaskState> = {
  S: TaskState.SUCCESS,
  F: TaskState.FAILED,
  K: TaskState.SKIPPED,
  U: TaskState.UPSTREAM_FAILED,
  X: TaskState.REMOVED,
  R: TaskState.RUNNING,
  N: TaskState.NONE,
  Y: TaskState.UP_FOR_RETRY,
  H: TaskState.UP_FOR_RESCHEDULE,
  Q: TaskState.QUEUED,
  C: TaskState.SCHEDULED,
  D: TaskState.DEFERRED,
};
const DECISION: Record<string, TriggerDecision> = { r: 'run', s: 'skip', u: 'upstream_failed', w: 'wait' };
const states = (mix: string) => [...mix].map((c) => CODE[c]!);

/** Rules in this column order (the schema's order). */
const RULE_ORDER: TriggerRule[] = [
  'all_success',
  'all_failed',
  'all_done',
  'all_skipped',
  'one_success',
  'one_failed',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'always',
];

/**
 * Expected decisions, worked out by hand from trigger_rule_dep.py (flag_upstream_failed=True).
 * Columns: all_success all_failed all_done all_skipped one_success one_failed one_done none_failed
 * none_failed_min_one_success none_skipped always.
 */
const TABLE: [mix: string, expected: string][] = [
  ['', 'rrrrrrrrrrr'], // no upstream: always runs
  ['NNN', 'wwwwwwwwwwr'],
  ['QDHC', 'wwwwwwwwwwr'], // every unfinished state counts as not done
  ['SSS', 'rsrsrsrrrrr'],
  ['SSR', 'wswsrwrwwwr'], // one_success / one_done are eager
  ['SFR', 'uswsrrruuwr'], // all_success fails fast while a sibling still runs
  ['SUN', 'uswsrrruuwr'],
  ['SKR', 'sswsrwrwwsr'], // all_success skips fast; none_skipped skips fast
  ['KKK', 'ssrrsssrssr'], // none_failed runs when all skipped; min_one_success skips
  ['FFF', 'urrsurruurr'],
  ['FU', 'urrsurruurr'],
  ['SFK', 'usrsrrruusr'],
  ['KF', 'usrsurruusr'], // one_success: done, not all skipped, no success -> upstream_failed
  ['KU', 'usrsursuusr'], // one_done: upstream_failed is not "done" -> skip
  ['SK', 'ssrsrsrrrsr'],
  ['KSS', 'ssrsrsrrrsr'],
  ['KR', 'sswwwwwwwsr'],
  ['KKR', 'sswwwwwwwsr'],
  ['FR', 'uwwswrruuwr'], // one_failed eager
  ['UR', 'uwwswrwuuwr'],
  ['UU', 'urrsursuurr'],
  ['SX', 'wsrsrsrwwrr'], // removed upstream: all_success / none_failed wait forever (deadlock)
  ['XX', 'wwrwusswwrr'],
  ['KX', 'ssrwusswwsr'],
  ['FX', 'uwrsurruurr'],
  ['YS', 'wswsrwrwwwr'], // up_for_retry is unfinished
  ['S', 'rsrsrsrrrrr'],
  ['K', 'ssrrsssrssr'],
  ['F', 'urrsurruurr'],
  ['U', 'urrsursuurr'],
];

describe('evaluateTriggerRule: every rule against every mix (flag_upstream_failed)', () => {
  it('covers all 11 rules of ordinary tasks in the table columns (a teardown\'s all_done_setup_success is tested below)', () => {
    expect([...RULE_ORDER].sort()).toEqual(TRIGGER_RULES.filter((r) => r !== 'all_done_setup_success').sort());
  });
  const cases = TABLE.flatMap(([mix, expected]) =>
    RULE_ORDER.map((rule, i) => [mix || '(none)', rule, DECISION[expected[i]!]!, mix] as const),
  );
  it.each(cases)('upstream %s, %s -> %s', (_label, rule, decision, mix) => {
    expect(evaluateTriggerRuleForStates(rule, states(mix)).decision).toBe(decision);
  });
});

describe('evaluateTriggerRule without flag_upstream_failed', () => {
  it.each([
    ['KKK', 'wwrrwwwrrwr'], // none_failed_min_one_success passes its check when all skipped
    ['SFR', 'wwwwrrrwwwr'],
    ['SSS', 'rwrwrwrrrrr'],
  ])('upstream %s -> %s', (mix, expected) => {
    const got = RULE_ORDER.map((rule) => evaluateTriggerRuleForStates(rule, states(mix), { flagUpstreamFailed: false }).decision[0]).join('');
    expect(got).toBe(expected);
  });
});

/** All multisets of finished/unfinished states up to size 3. */
function* mixes(alphabet: string, maxSize: number, prefix = '', start = 0): Generator<string> {
  if (prefix.length > 0) yield prefix;
  if (prefix.length === maxSize) return;
  for (let i = start; i < alphabet.length; i++) yield* mixes(alphabet, maxSize, prefix + alphabet[i], i);
}
const FINISHED = 'SFKUX';
const ALL = 'SFKUXR';

describe('trigger rule invariants over every mix of up to 3 upstream tasks', () => {
  const completions = (mix: string): string[] => {
    const i = mix.indexOf('R');
    if (i < 0) return [mix];
    return [...FINISHED].flatMap((c) => completions(mix.slice(0, i) + c + mix.slice(i + 1)));
  };
  const all = [...mixes(ALL, 3)];

  it('a rule that runs keeps running however the unfinished upstream tasks end', () => {
    for (const rule of TRIGGER_RULES) {
      for (const mix of all) {
        if (evaluateTriggerRuleForStates(rule, states(mix)).decision !== 'run') continue;
        for (const done of completions(mix)) {
          expect([rule, done, evaluateTriggerRuleForStates(rule, states(done)).decision]).toEqual([rule, done, 'run']);
        }
      }
    }
  });

  it('skip / upstream_failed taken early is right: no completion could have run', () => {
    for (const rule of TRIGGER_RULES) {
      for (const mix of all) {
        const early = evaluateTriggerRuleForStates(rule, states(mix)).decision;
        if (early !== 'skip' && early !== 'upstream_failed') continue;
        for (const done of completions(mix)) {
          expect([rule, done, evaluateTriggerRuleForStates(rule, states(done)).decision]).not.toEqual([rule, done, 'run']);
        }
      }
    }
  });

  it('with every upstream finished (none removed), every rule decides', () => {
    for (const rule of TRIGGER_RULES) {
      for (const mix of mixes('SFKU', 3)) {
        expect([rule, mix, evaluateTriggerRuleForStates(rule, states(mix)).decision]).not.toEqual([rule, mix, 'wait']);
      }
    }
  });

  it('without flag_upstream_failed the decision is only run or wait, and run agrees', () => {
    for (const rule of TRIGGER_RULES) {
      for (const mix of all) {
        const plain = evaluateTriggerRuleForStates(rule, states(mix), { flagUpstreamFailed: false }).decision;
        expect(['run', 'wait']).toContain(plain);
        if (evaluateTriggerRuleForStates(rule, states(mix)).decision === 'run') expect(plain).toBe('run');
      }
    }
  });
});

describe('countUpstreamStates', () => {
  it('counts each finished state and the total', () => {
    expect(countUpstreamStates(states('SSFKUXRNY'))).toEqual({
      success: 2,
      skipped: 1,
      failed: 1,
      upstream_failed: 1,
      removed: 1,
      done: 6,
      total: 9,
    });
    expect(countUpstreamStates([null, undefined, 'success'])).toMatchObject({ success: 1, done: 1, total: 3 });
    expect(countUpstreamStates([])).toEqual({ success: 0, skipped: 0, failed: 0, upstream_failed: 0, removed: 0, done: 0, total: 0 });
  });
});

describe('reasons', () => {
  it('explain the counts and the rule in a sentence', () => {
    expect(evaluateTriggerRuleForStates('one_failed', states('SSR')).reason).toBe(
      '2 of 3 upstream tasks succeeded, 1 has not finished; waiting: one_failed needs at least one upstream task to be failed or upstream_failed',
    );
    expect(evaluateTriggerRuleForStates('one_failed', states('SSS')).reason).toBe(
      '3 of 3 upstream tasks succeeded; one_failed needs at least one upstream task to be failed or upstream_failed, which can no longer happen, so the task is skipped',
    );
    expect(evaluateTriggerRuleForStates('all_success', states('SFR')).reason).toBe(
      '1 of 3 upstream tasks succeeded, 1 failed, 1 has not finished; all_success needs every upstream task to succeed, which can no longer happen, so the task is upstream_failed',
    );
    expect(evaluateTriggerRuleForStates('none_failed', states('KKS')).reason).toBe(
      '1 of 3 upstream tasks succeeded, 2 were skipped; none_failed is met',
    );
    expect(evaluateTriggerRuleForStates('all_success', []).reason).toBe('The task has no upstream tasks, so it can run');
    expect(evaluateTriggerRuleForStates('always', states('FN')).reason).toBe(
      '0 of 2 upstream tasks succeeded, 1 failed, 1 has not finished; the always rule ignores upstream states',
    );
  });

  it('describes every category', () => {
    expect(describeUpstreamCounts(countUpstreamStates(states('SKUUXNN')))).toBe(
      '1 of 7 upstream tasks succeeded, 1 was skipped, 2 are upstream_failed, 1 was removed, 2 have not finished',
    );
    expect(describeUpstreamCounts(countUpstreamStates(states('S')))).toBe('1 of 1 upstream task succeeded');
  });
});

describe('decisionToState', () => {
  it('maps decisions to the state to write', () => {
    expect(decisionToState('run')).toBe('scheduled');
    expect(decisionToState('skip')).toBe('skipped');
    expect(decisionToState('upstream_failed')).toBe('upstream_failed');
    expect(decisionToState('wait')).toBeUndefined();
  });
  it('accepts counts directly', () => {
    expect(
      evaluateTriggerRule('one_success', { success: 0, skipped: 2, failed: 0, upstream_failed: 0, removed: 0, done: 2, total: 2 }).decision,
    ).toBe('skip');
  });
});

describe('all_done_setup_success (teardown tasks, Airflow 2.10)', () => {
  const counts = (all: TaskState[], setups: TaskState[]) => ({ ...countUpstreamStates(all), setup: countUpstreamStates(setups) });
  it('waits for every upstream task, then runs when a setup succeeded, even after a failure', () => {
    expect(evaluateTriggerRule('all_done_setup_success', counts([TaskState.SUCCESS, TaskState.RUNNING], [TaskState.SUCCESS])).decision).toBe('wait');
    expect(evaluateTriggerRule('all_done_setup_success', counts([TaskState.SUCCESS, TaskState.FAILED], [TaskState.SUCCESS])).decision).toBe('run');
  });
  it('is skipped when every setup was skipped, upstream_failed when none succeeded', () => {
    expect(evaluateTriggerRule('all_done_setup_success', counts([TaskState.SKIPPED, TaskState.SKIPPED], [TaskState.SKIPPED])).decision).toBe('skip');
    expect(evaluateTriggerRule('all_done_setup_success', counts([TaskState.FAILED, TaskState.UPSTREAM_FAILED], [TaskState.FAILED])).decision).toBe('upstream_failed');
  });
});
