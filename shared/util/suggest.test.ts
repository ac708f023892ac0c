import { closestName, editDistance } from './suggest.js';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests a close operator name and nothing for unrelated names', () => {
    expect(closestName('CoutureSparkOperatr', ['CoutureSparkOperator', 'BashOperator'])).toBe('CoutureSparkOperator');
    expect(closestName('bashoperator', ['BashOperator'])).toBe('BashOperator');
    expect(closestName('Zebra', ['BashOperator', 'PythonOperator'])).toBeUndefined();
  });
});
