import { jsonBytes, sizedConstant } from './json-bytes.js';

const serialized = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

describe('jsonBytes (UTF-8 bytes of JSON.stringify, counted without serializing)', () => {
  it.each([
    ['plain ASCII data', { StartAt: 'a.prepare', States: { 'a.prepare': { Type: 'Pass', Next: 'b', Retry: [{ MaxAttempts: 6, BackoffRate: 2.5 }] } }, ResultPath: null }],
    ['escapes and control characters', { 'quote"key': 'back\\slash "quoted"\n\ttab\u0001\u001f\u007f' }],
    ['multi-byte text, astral characters and lone surrogates', { 'tâche': 'données ✓ 😀', lone: '\ud800x\udc00', [`ключ`]: ['日本'] }],
    ['numbers JSON writes as null or shortest form', [NaN, Infinity, -Infinity, -0, 1e21, 1e-7, 0.1 + 0.2, -12, 2 ** 53]],
    ['members JSON leaves out and array items it writes as null', { u: undefined, f: () => 1, s: Symbol('x'), kept: [undefined, () => 1, Symbol('y'), 1] }],
    // eslint-disable-next-line no-sparse-arrays
    ['holes in arrays', [1, , 3]],
    ['empty containers', { a: {}, b: [], c: [[]], d: [{}] }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1, b: 'é' })],
    ['integer-like keys', { 2: 'b', 1: 'a', x: { 10: true, 9: false } }],
    ['a Date (toJSON)', { when: new Date('2024-06-01T00:00:00Z') }],
    ['an own toJSON', { nested: { toJSON: () => ({ replaced: 'ü' }), dropped: 'x' } }],
    ['a class instance', { value: new (class { field = 'f'; })() }],
    ['boxed primitives and a Map', [new Number(3), new String('s'), new Boolean(false), new Map([[1, 2]])]],
    ['scalars', 'just a string'],
    ['null', null],
  ])('counts %s as JSON.stringify writes it', (_, value) => {
    expect(jsonBytes(value)).toBe(serialized(value));
  });

  it('throws for a bigint, as JSON.stringify does', () => {
    expect(() => jsonBytes({ n: 1n })).toThrow(TypeError);
  });

  it('counts a sized constant once, frozen so its size stays true, wherever states share it', () => {
    const retry = sizedConstant([{ ErrorEquals: ['States.ALL'], MaxAttempts: 6, JitterStrategy: 'FULL' }]);
    expect(Object.isFrozen(retry) && Object.isFrozen(retry[0]) && Object.isFrozen(retry[0]!.ErrorEquals)).toBe(true);
    const states = { a: { Retry: retry }, b: { Retry: retry, Next: 'é' } };
    expect(jsonBytes(states)).toBe(serialized(states));
  });
});

