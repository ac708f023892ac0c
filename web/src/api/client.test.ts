import { ApiError, errorMessage, queryString } from './client';

describe('queryString', () => {
  it('repeats array keys, leaves out empty values and encodes', () => {
    expect(queryString({ tags: ['a b', 'c'], paused: false, limit: 25, empty: '', gone: undefined, nil: null })).toBe('?tags=a+b&tags=c&paused=false&limit=25');
    expect(queryString({})).toBe('');
    expect(queryString(undefined)).toBe('');
  });
});

describe('errorMessage', () => {
  it("prefers the problem's detail, then its title", () => {
    expect(errorMessage(new ApiError(400, { type: 'x', title: 'Bad Request', status: 400, detail: 'conf must be an object' }))).toBe('conf must be an object');
    expect(errorMessage(new ApiError(404, { type: 'x', title: 'DAG not found', status: 404, detail: '' }))).toBe('DAG not found');
    expect(errorMessage(new Error('boom'))).toBe('boom');
  });
});
