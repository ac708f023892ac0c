import { ConditionFailedError } from './metadata.js';

it('a lost race (ConditionFailedError) is built without a stack trace, and leaves the stack limit as it was', () => {
  const limit = Error.stackTraceLimit;
  const error = new ConditionFailedError('lost', undefined);
  expect(error.stack?.split('\n').filter((line) => line.trim().startsWith('at '))).toEqual([]);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('ConditionFailedError');
  expect(Error.stackTraceLimit).toBe(limit);
  expect(new Error('other').stack).toMatch(/\n\s+at /);
});
