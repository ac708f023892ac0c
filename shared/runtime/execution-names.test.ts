import { EXECUTION_NAME_MAX, executionName } from './execution-names.js';

const valid = /^[A-Za-z0-9_-]{1,80}$/;

describe('executionName', () => {
  it('is a valid Step Functions execution name for run ids with : + . and spaces', () => {
    const name = executionName({ dag_id: 'etl', run_id: 'manual__2024-01-01T00:00:00+00:00' }, 0);
    expect(name).toMatch(valid);
    expect(name.startsWith('manual__2024-01-01T00-00-00-00-00-g0-')).toBe(true);
    expect(executionName({ dag_id: 'd', run_id: 'a b.c/d' }, 3)).toMatch(valid);
    expect(executionName({ dag_id: 'd', run_id: '::::' }, 0)).toMatch(valid);
  });

  it('is deterministic and changes with the generation', () => {
    const run = { dag_id: 'etl', run_id: 'scheduled__2024-01-01T00:00:00+00:00' };
    expect(executionName(run, 1)).toBe(executionName(run, 1));
    expect(executionName(run, 1)).not.toBe(executionName(run, 2));
  });

  it('keeps run ids that sanitise alike, or differ past the cut, apart; never longer than 80', () => {
    expect(executionName({ dag_id: 'd', run_id: 'a:b' }, 0)).not.toBe(executionName({ dag_id: 'd', run_id: 'a+b' }, 0));
    const long = 'x'.repeat(200);
    const a = executionName({ dag_id: 'd', run_id: `${long}1` }, 0);
    const b = executionName({ dag_id: 'd', run_id: `${long}2` }, 0);
    expect(a).not.toBe(b);
    expect(a.length).toBe(EXECUTION_NAME_MAX);
    expect(a).toMatch(valid);
    expect(executionName({ dag_id: 'd1', run_id: 'r' }, 0)).not.toBe(executionName({ dag_id: 'd2', run_id: 'r' }, 0));
  });

  it('refuses a generation that is not a whole number ≥ 0', () => {
    expect(() => executionName({ dag_id: 'd', run_id: 'r' }, -1)).toThrow(RangeError);
    expect(() => executionName({ dag_id: 'd', run_id: 'r' }, 1.5)).toThrow(RangeError);
  });
});
