import fc from 'fast-check';
import { copyRecord } from './copy-record.js';

describe('copyRecord', () => {
  it('makes what structuredClone makes of JSON values, dates and undefined fields, sharing nothing with the original', () => {
    const value = fc.letrec((tie) => ({
      any: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.date({ noInvalidDate: true }), fc.constant(undefined), fc.array(tie('any'), { maxLength: 4 }), tie('object')),
      object: fc.dictionary(fc.string({ maxLength: 6 }), tie('any'), { maxKeys: 5 }),
    })).any;
    fc.assert(
      fc.property(value, (original) => {
        const copied = copyRecord(original);
        expectSameShape(copied, structuredClone(original));
        if (original !== null && typeof original === 'object') {
          expect(copied).not.toBe(original);
          // Changing the copy leaves the original as it was.
          const before = snapshot(original);
          mutateDeep(copied);
          expect(snapshot(original)).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('copies a null-prototype object to a plain one and a sparse array with its holes, as structuredClone does', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(Object.getPrototypeOf(copyRecord(bare))).toBe(Object.prototype);
    expectSameShape(copyRecord(bare), structuredClone(bare));
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    expect(1 in copyRecord(sparse)).toBe(false);
    expectSameShape(copyRecord(sparse), structuredClone(sparse));
  });

  it('keeps a "__proto__" field a field, never the copy\'s prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copied = copyRecord(hostile);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect((copied as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copied)).toEqual(['__proto__', 'a']);
    expectSameShape(copied, structuredClone(hostile));
  });

  it('refuses what structuredClone refuses', () => {
    expect(() => copyRecord({ f: () => 1 })).toThrow(/could not be cloned/);
    expect(() => copyRecord({ s: Symbol('x') })).toThrow(/could not be cloned/);
  });
});

/**
 * The same value, field for field (undefined fields and array holes too), dates by their time; plain
 * objects of `copied` have this realm's Object.prototype (jest's structuredClone answers in Node's own
 * realm, so prototypes are not compared with it).
 */
function expectSameShape(copied: unknown, expected: unknown): void {
  if (expected instanceof Date || Object.prototype.toString.call(expected) === '[object Date]') {
    expect(Object.prototype.toString.call(copied)).toBe('[object Date]');
    expect((copied as Date).getTime()).toBe((expected as Date).getTime());
    expect(copied).not.toBe(expected);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(copied)).toBe(true);
    const list = copied as unknown[];
    expect(list.length).toBe(expected.length);
    expected.forEach((_, i) => expect(i in list).toBe(i in expected));
    for (let i = 0; i < expected.length; i++) if (i in expected) expectSameShape(list[i], expected[i]);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied as object)).toEqual(Object.keys(expected));
    for (const key of Object.keys(expected)) expectSameShape((copied as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key]);
    return;
  }
  expect(Object.is(copied, expected)).toBe(true);
}

/** A text of the value that tells undefined fields apart (dates as their ISO text). */
const snapshot = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v === undefined ? '<undefined>' : v));

function mutateDeep(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(mutateDeep);
    value.push('added');
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const child of Object.values(value)) mutateDeep(child);
    (value as Record<string, unknown>).__added = true;
  } else if (value instanceof Date) {
    value.setTime(0);
  }
}
