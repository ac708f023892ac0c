import { loadYaml, mergeConfigs, parseYamlTimestamp, type YMap } from './nodes.js';
import { parseIsoWallClock, relativeTimeSeconds } from './values.js';

describe('YAML reading (PyYAML semantics)', () => {
  const scalars = (text: string) => {
    const { root, problems } = loadYaml(text);
    expect(problems).toEqual([]);
    return Object.fromEntries((root as YMap).entries.map((e) => [e.key, e.value.kind === 'scalar' ? e.value.value : e.value.kind]));
  };

  it('resolves YAML 1.1 scalars like PyYAML', () => {
    expect(
      scalars(
        'a: yes\nb: Off\nc: y\nd: n\ne: 0755\nf: 0x1F\ng: 1_000\nh: 1:30\ni: 1.5\nj: 1e5\nk: 1.0e+3\nl: e1\nm: 09\nn: ~\no: "yes"\np: .inf\nq: 0b101\n',
      ),
    ).toEqual({ a: true, b: false, c: 'y', d: 'n', e: 493, f: 31, g: 1000, h: 90, i: 1.5, j: '1e5', k: 1000, l: 'e1', m: '09', n: null, o: 'yes', p: Infinity, q: 5 });
  });

  it('recognises timestamps with PyYAML rules', () => {
    expect(parseYamlTimestamp('2024-01-05')).toMatchObject({ year: 2024, month: 1, day: 5, dateOnly: true });
    expect(parseYamlTimestamp('2024-1-5 7:08:09.5 -03:30')).toMatchObject({ hour: 7, minute: 8, second: 9, millisecond: 500, offsetMinutes: -210, dateOnly: false });
    expect(parseYamlTimestamp('2024-01-05T10:00:00Z')).toMatchObject({ offsetMinutes: 0 });
    expect(parseYamlTimestamp('2024-1-5')).toBeUndefined();
    const { root } = loadYaml('a: 2024-1-5\nb: 2024-01-05\n');
    const [a, b] = (root as YMap).entries.map((e) => e.value);
    expect(a).toMatchObject({ value: '2024-1-5' });
    expect(a).not.toHaveProperty('timestamp');
    expect(b).toMatchObject({ value: '2024-01-05', timestamp: { dateOnly: true } });
  });

  it('flattens merge keys like PyYAML: explicit keys win, earlier merged mappings win over later ones', () => {
    const { root } = loadYaml('x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  c: 3\n  d: 3\n');
    const z = (root as YMap).entries[2]!.value as YMap;
    expect(z.entries.map((e) => [e.key, e.value.kind === 'scalar' ? e.value.value : null])).toEqual([
      ['b', 1],
      ['c', 3],
      ['a', 1],
      ['d', 3],
    ]);
  });

  it("merges the default block the way dag-factory's merge_configs does", () => {
    const { root } = loadYaml('default: {a: 1, n: {x: 1, y: 1}, l: [1]}\ndag: {n: {y: 2}, l: [2], b: 2}\n');
    const [defaults, dag] = (root as YMap).entries.map((e) => e.value as YMap);
    const merged = mergeConfigs(dag!, defaults);
    const plain = (m: YMap): unknown =>
      Object.fromEntries(m.entries.map((e) => [e.key, e.value.kind === 'map' ? plain(e.value) : e.value.kind === 'seq' ? e.value.items.map((i) => (i.kind === 'scalar' ? i.value : null)) : e.value.value]));
    expect(plain(merged)).toEqual({ n: { y: 2, x: 1 }, l: [2], b: 2, a: 1 });
  });
});

describe("dag-factory's time strings", () => {
  it.each([
    ['2 days', 172800],
    ['1 day', 86400],
    ['3 hours', 10800],
    ['1 hour', 3600],
    ['45 minutes', 2700],
    ['30 seconds', 30],
    ['10 Days ago', 864000],
    ['0 days', 0],
  ])('reads the relative time %s', (text, seconds) => {
    expect(relativeTimeSeconds(text)).toBe(seconds);
  });

  it.each(['tomorrow', 'days', '', '2024-01-01'])('rejects %j as a relative time', (text) => {
    expect(relativeTimeSeconds(text)).toBeUndefined();
  });

  it('reads the ISO 8601 forms pendulum.parse accepts', () => {
    expect(parseIsoWallClock('2024-03-05')).toMatchObject({ year: 2024, month: 3, day: 5, hour: 0 });
    expect(parseIsoWallClock('20240305T0630')).toMatchObject({ year: 2024, month: 3, day: 5, hour: 6, minute: 30 });
    expect(parseIsoWallClock('2024-03')).toMatchObject({ year: 2024, month: 3, day: 1 });
    expect(parseIsoWallClock('2024-03-05 06:30:15.250+01:00')).toMatchObject({ second: 15, millisecond: 250, offsetMinutes: 60 });
    expect(parseIsoWallClock('March 5')).toBeUndefined();
  });
});
