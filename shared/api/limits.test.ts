/** checkJsonText: depth and number checks on the raw text, strings skipped. */
import { checkJsonText, describeBytes, MAX_JSON_DEPTH } from './limits.js';

const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('checkJsonText', () => {
  it(`allows ${MAX_JSON_DEPTH} levels and refuses one more, counting only structure outside strings`, () => {
    expect(() => checkJsonText(nest(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => checkJsonText(nest(MAX_JSON_DEPTH + 1))).toThrow(`deeper than ${MAX_JSON_DEPTH} levels (at character ${MAX_JSON_DEPTH})`);
    expect(() => checkJsonText(JSON.stringify({ s: '['.repeat(1000), t: 'say \\"[[[[\\" and {{{{' }))).not.toThrow();
    expect(() => checkJsonText(`[${JSON.stringify('\\')}, ${nest(MAX_JSON_DEPTH)}]`)).toThrow(/deeper than/);
  });

  it('refuses integers that JSON.parse would round and numbers it would make infinite; floats and strings pass', () => {
    for (const ok of ['9007199254740991', '-9007199254740991', '1e300', '0.1', '123456789012345678901234.5', '"123456789012345678901234"', '1e-400', '-0']) {
      expect(() => checkJsonText(`{"a": [${ok}]}`)).not.toThrow();
    }
    expect(() => checkJsonText('{"a": 9007199254740992}')).toThrow('integer at character 6 outside ±9007199254740991');
    expect(() => checkJsonText('[-18446744073709551616]')).toThrow('integer at character 1');
    expect(() => checkJsonText('[1e309]')).toThrow('number at character 1 that is too large to represent');
  });

  it('describes sizes with their binary unit when exact', () => {
    expect(describeBytes(262_144)).toBe('262,144 bytes (256 KiB)');
    expect(describeBytes(1_048_576)).toBe('1,048,576 bytes (1 MiB)');
    expect(describeBytes(1000)).toBe('1,000 bytes');
  });
});
