import { checkConf, defaultConf, lineColAt } from './conf-check';

describe('checkConf', () => {
  const params = { greeting: 'hello', retries: 3, options: { a: 1 }, anything: null };

  it('accepts an object matching the params, and an empty text as {}', () => {
    expect(checkConf('{"greeting": "hi", "retries": 5}', params)).toEqual({ conf: { greeting: 'hi', retries: 5 }, problems: [] });
    expect(checkConf('  ', params)).toEqual({ conf: {}, problems: [] });
  });

  it('reports a syntax error with its line and column', () => {
    const result = checkConf('{\n  "greeting": "hi",\n}', params);
    expect(result.conf).toBeNull();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ severity: 'error', line: 3, col: 1 });
    expect(result.problems[0]!.message).toMatch(/^Invalid JSON/);
  });

  it('refuses anything but an object', () => {
    expect(checkConf('[1, 2]', params).problems[0]).toMatchObject({ severity: 'error', message: 'conf must be a JSON object ({…}), not array' });
    expect(checkConf('"x"', params).conf).toBeNull();
  });

  it('warns about values whose type differs from the param default, and points out undeclared keys', () => {
    const result = checkConf('{"retries": "five", "options": [1], "anything": 4, "extra": true}', params);
    expect(result.conf).not.toBeNull();
    expect(result.problems.map((p) => [p.severity, p.message])).toEqual([
      ['warning', "'retries' is a string, but the param's default is a number"],
      ['warning', "'options' is an array, but the param's default is an object"],
      ['info', "'extra' is not a param of this DAG: tasks read it as dag_run.conf['extra']"],
    ]);
  });
});

describe('defaultConf', () => {
  it('pre-fills the params with their defaults, leaving masked values out', () => {
    expect(JSON.parse(defaultConf({ greeting: 'hello', password: '***' }))).toEqual({ greeting: 'hello' });
    expect(defaultConf({})).toBe('{}');
  });
});

describe('lineColAt', () => {
  it('counts from 1', () => {
    expect(lineColAt('ab\ncd', 0)).toEqual({ line: 1, col: 1 });
    expect(lineColAt('ab\ncd', 4)).toEqual({ line: 2, col: 2 });
  });
});
