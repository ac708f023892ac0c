/**
 * Unit tests of the Python look-alikes behind the templates. Expected values were produced by
 * CPython 3.11 (`datetime`, `format`, `%`, `ast.literal_eval`).
 */
import { PyDateTime, PyTimedelta, PyTimezone, strftime, strptime, pendulumFormat } from './py/datetime.js';
import { literalEval } from './py/literal-eval.js';
import { floatRepr, formatFloat, formatInt, formatStr, parseFormatSpec } from './py/numbers.js';
import { PyError } from './py/object.js';
import { printf } from './jinja/strformat.js';
import { mk, toRV } from './jinja/values.js';

const LENIENT = { strict: false };

describe('strftime', () => {
  const d = PyDateTime.fromISO('2019-12-30T06:07:08.000090+00:00', 'stdlib');
  it.each([
    ['%Y-%m-%d %H:%M:%S.%f', '2019-12-30 06:07:08.000090'],
    ['%a %A %b %B %d %e %j', 'Mon Monday Dec December 30 30 364'],
    ['%U %W %w %u %V %G %g', '52 52 1 1 01 2020 20'],
    ['%I %p %l %k %C %y %D %F %T %R', '06 AM  6  6 20 19 12/30/19 2019-12-30 06:07:08 06:07'],
    ['%c|%x|%X', 'Mon Dec 30 06:07:08 2019|12/30/19|06:07:08'],
    ['%z %Z', '+0000 UTC'],
    ['%-d/%-m/%-H %_d %^a %s', '30/12/6 30 MON 1577686028'],
    ['%q %%', '%q %'],
  ])('%s', (fmt, expected) => {
    expect(strftime(fmt, d.parts())).toBe(expected);
  });

  it('leaves %z/%Z empty for naive datetimes and counts weeks like glibc', () => {
    const naive = PyDateTime.fromISO('2021-01-03T23:00:00', 'stdlib');
    expect(strftime('%z|%Z', naive.parts())).toBe('|');
    expect(strftime('%U %W %V %G %j', naive.parts())).toBe('01 00 53 2020 003');
  });
});

describe('strptime', () => {
  it.each([
    ['2019-01-03', '%Y-%m-%d', 'datetime.datetime(2019, 1, 3, 0, 0)'],
    ['03/Jan/2019:10:00:00 +0100', '%d/%b/%Y:%H:%M:%S %z', 'datetime.datetime(2019, 1, 3, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))'],
    ['2019-7-4 5:6', '%Y-%m-%d %H:%M', 'datetime.datetime(2019, 7, 4, 5, 6)'],
    ['Thursday, 3 January 2019', '%A, %d %B %Y', 'datetime.datetime(2019, 1, 3, 0, 0)'],
    ['12 AM', '%I %p', 'datetime.datetime(1900, 1, 1, 0, 0)'],
    ['2019-01-03T10:00:00.5Z', '%Y-%m-%dT%H:%M:%S.%f%z', 'datetime.datetime(2019, 1, 3, 10, 0, 0, 500000, tzinfo=datetime.timezone.utc)'],
    ['19', '%y', 'datetime.datetime(2019, 1, 1, 0, 0)'],
    ['70', '%y', 'datetime.datetime(1970, 1, 1, 0, 0)'],
    ['2019 032', '%Y %j', 'datetime.datetime(2019, 2, 1, 0, 0)'],
  ])('%s with %s', (text, fmt, expected) => {
    expect(strptime(text, fmt, 'stdlib').repr()).toBe(expected);
  });

  it.each([
    ['2019-01-03 x', '%Y-%m-%d', 'unconverted data remains:  x'],
    ['2019/01/03', '%Y-%m-%d', "time data '2019/01/03' does not match format '%Y-%m-%d'"],
    ['x', '%Q', "'Q' is a bad directive in format '%Q'"],
  ])('rejects %s with %s', (text, fmt, message) => {
    expect(() => strptime(text, fmt, 'stdlib')).toThrow(new PyError('ValueError', message));
  });
});

describe('datetime and timedelta objects', () => {
  it.each([
    [{ days: 1, hours: 2 }, '1 day, 2:00:00', 'datetime.timedelta(days=1, seconds=7200)', 93600],
    [{ days: -1 }, '-1 day, 0:00:00', 'datetime.timedelta(days=-1)', -86400],
    [{ seconds: -1 }, '-1 day, 23:59:59', 'datetime.timedelta(days=-1, seconds=86399)', -1],
    [{}, '0:00:00', 'datetime.timedelta(0)', 0],
    [{ microseconds: 5 }, '0:00:00.000005', 'datetime.timedelta(microseconds=5)', 5e-6],
    [{ days: 2, microseconds: 1 }, '2 days, 0:00:00.000001', 'datetime.timedelta(days=2, microseconds=1)', 172800.000001],
    [{ weeks: 1, minutes: 1.5 }, '7 days, 0:01:30', 'datetime.timedelta(days=7, seconds=90)', 604890],
    [{ hours: -25 }, '-2 days, 23:00:00', 'datetime.timedelta(days=-2, seconds=82800)', -90000],
    [{ days: 1.5 }, '1 day, 12:00:00', 'datetime.timedelta(days=1, seconds=43200)', 129600],
  ])('timedelta(%j)', (kwargs, str, repr, seconds) => {
    const td = PyTimedelta.construct([], kwargs);
    expect([td.str(), td.repr(), td.totalSeconds()]).toEqual([str, repr, seconds]);
  });

  it('prints pendulum 3, pendulum 2 and standard-library datetimes differently', () => {
    const iso = '2019-01-03T00:00:00+00:00';
    expect(PyDateTime.fromISO(iso, 'pendulum3').str()).toBe('2019-01-03 00:00:00+00:00');
    expect(PyDateTime.fromISO(iso, 'pendulum2').str()).toBe('2019-01-03T00:00:00+00:00');
    expect(PyDateTime.fromISO(iso, 'stdlib').str()).toBe('2019-01-03 00:00:00+00:00');
    expect(PyDateTime.fromISO(iso, 'pendulum3').repr()).toBe("DateTime(2019, 1, 3, 0, 0, 0, tzinfo=Timezone('UTC'))");
    expect(PyDateTime.fromISO(iso, 'stdlib').repr()).toBe('datetime.datetime(2019, 1, 3, 0, 0, tzinfo=datetime.timezone.utc)');
  });

  it('follows time-zone rules when converting and adding', () => {
    const ams = PyTimezone.named('Europe/Amsterdam', 'pendulum3');
    const beforeDst = PyDateTime.fromFields({ year: 2019, month: 3, day: 30, hour: 12 }, ams, 'pendulum3');
    expect(beforeDst.str()).toBe('2019-03-30 12:00:00+01:00');
    const add = beforeDst.getattr('add') as { call(a: unknown[], k: Record<string, unknown>): PyDateTime };
    expect(add.call([], { days: 1 }).str()).toBe('2019-03-31 12:00:00+02:00');
    expect(add.call([], { hours: 24 }).str()).toBe('2019-03-31 13:00:00+02:00');
    expect(() => PyTimezone.named('Mars/Olympus', 'pendulum3')).toThrow("Invalid timezone 'Mars/Olympus'");
  });

  it("formats with pendulum's tokens", () => {
    const d = PyDateTime.fromISO('2019-07-04T15:05:09.123456+00:00', 'pendulum3');
    expect(pendulumFormat('YYYY-MM-DD HH:mm:ss', d.parts(), d.epochMs(), 'UTC')).toBe('2019-07-04 15:05:09');
    expect(pendulumFormat('dddd Do MMMM YYYY, h:mm A [at] Z (zz) SSS', d.parts(), d.epochMs(), 'UTC')).toBe('Thursday 4th July 2019, 3:05 PM at +00:00 (UTC) 123');
    expect(pendulumFormat('YY M D H m s X', d.parts(), d.epochMs(), 'UTC')).toBe('19 7 4 15 5 9 1562252709');
  });
});

describe('numbers', () => {
  it('prints floats like repr()', () => {
    const values = [0, -0, 1, 0.1, 1 / 3, 2 / 3, 1e16, 1e15, 123456789012345680, 1e-4, 1e-5, 1.5e-7, 5e-324, 1.7976931348623157e308, 100, 12.5];
    expect(values.map(floatRepr)).toEqual([
      '0.0', '-0.0', '1.0', '0.1', '0.3333333333333333', '0.6666666666666666', '1e+16', '1000000000000000.0', '1.2345678901234568e+17',
      '0.0001', '1e-05', '1.5e-07', '5e-324', '1.7976931348623157e+308', '100.0', '12.5',
    ]);
  });

  it('implements the format-specification mini-language', () => {
    const ints: [number, string, string][] = [
      [7, '02', '07'], [7, '03d', '007'], [-7, '04', '-007'], [1234567, ',', '1,234,567'], [1234567, '_', '1_234_567'], [255, '#x', '0xff'],
      [255, 'X', 'FF'], [5, '#b', '0b101'], [8, '#o', '0o10'], [65, 'c', 'A'], [42, '+', '+42'], [42, ' ', ' 42'], [42, '*^8', '***42***'],
      [42, '<5', '42   '], [-42, '=8', '-     42'],
    ];
    const floats: [number, string, string][] = [
      [3.14159, '.2f', '3.14'], [2.5, '.0f', '2'], [3.5, '.0f', '4'], [0.125, '.2f', '0.12'], [1234.5, 'e', '1.234500e+03'], [1234.5, '.2E', '1.23E+03'],
      [0.0001234, 'g', '0.0001234'], [123456789, 'g', '1.23457e+08'], [1e-7, 'g', '1e-07'], [100000, 'g', '100000'], [1e6, 'g', '1e+06'],
      [0.25, '%', '25.000000%'], [0.125, '.1%', '12.5%'], [1, '', '1.0'], [123, '.3', '1.23e+02'], [12, '.3', '12.0'], [1e16, '', '1e+16'],
      [-0, '', '-0.0'], [Infinity, '', 'inf'], [NaN, 'F', 'NAN'], [1234567.891, ',.2f', '1,234,567.89'],
    ];
    const strs: [string, string, string][] = [['ab', '5', 'ab   '], ['ab', '>5', '   ab'], ['ab', '^6', '  ab  '], ['abcdef', '.3', 'abc'], ['ab', '05', 'ab000']];
    expect(ints.map(([v, spec]) => formatInt(v, parseFormatSpec(spec)))).toEqual(ints.map((c) => c[2]));
    expect(floats.map(([v, spec]) => formatFloat(v, parseFormatSpec(spec)))).toEqual(floats.map((c) => c[2]));
    expect(strs.map(([v, spec]) => formatStr(v, parseFormatSpec(spec)))).toEqual(strs.map((c) => c[2]));
  });
});

describe('printf', () => {
  const p = (fmt: string, ...args: unknown[]): string => printf(fmt, mk.tuple(args.map(toRV)), LENIENT);

  it.each([
    ['%5.2f|%-5d|%+d|%x|%X|%o|%#x|%#o', [3.14159, 42, 5, 255, 255, 8, 255, 8], ' 3.14|42   |+5|ff|FF|10|0xff|0o10'],
    ['%e|%E|%g|%G|%.3g', [12345.678, 0.00012, 0.0001, 1e20, 3.14159], '1.234568e+04|1.200000E-04|0.0001|1E+20|3.14'],
    ['%s|%r|%c|%c', ['x', 'x', 65, 'z'], "x|'x'|A|z"],
    ['%05d|%-05d|% d|%.3d|%5.3d|%.0f|%.1f', [42, 42, 42, 7, 7, 2.5, 0.25], '00042|42   | 42|007|  007|2|0.2'],
    ['%*d|%-*d|%.*f', [5, 42, 5, 42, 2, 3.14159], '   42|42   |3.14'],
    ['%d|%i|%u', [3.9, -3.9, true], '3|-3|1'],
    ['%%|%s', ['a'], '%|a'],
  ])('%s', (fmt, args, expected) => {
    expect(p(fmt, ...args)).toBe(expected);
  });

  it('formats a mapping with %(name)s', () => {
    expect(printf('%(a)s-%(b)03d', toRV({ a: 'x', b: 5 }), LENIENT)).toBe('x-005');
  });

  it.each([
    ['%d', ['x'], 'TypeError', '%d format: a real number is required, not str'],
    ['%s %s', ['a'], 'TypeError', 'not enough arguments for format string'],
    ['%s', ['a', 'b'], 'TypeError', 'not all arguments converted during string formatting'],
    ['%x', [1.5], 'TypeError', '%x format: an integer is required, not float'],
    ['%y', [1], 'ValueError', "unsupported format character 'y' (0x79) at index 1"],
    ['%', [], 'ValueError', 'incomplete format'],
  ])('%s raises %s', (fmt, args, type, message) => {
    expect(() => p(fmt, ...args)).toThrow(new PyError(type, message));
  });
});

describe('literal_eval (native rendering)', () => {
  it.each([
    ['1', 1], ['-1', -1], ['+1.5', 1.5], ['1_000', 1000], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1e3', 1000], ['.5', 0.5], ['5.', 5],
    ["'a'", 'a'], ['"b"', 'b'], ["'a' 'b'", 'ab'], ["r'\\d'", '\\d'], ["b'x'", 'x'], ["'\\x41\\u00e9\\n'", 'Aé\n'], ['"""tri\nple"""', 'tri\nple'],
    ['True', true], ['None', null], ['[1, 2,]', [1, 2]], ['(1,)', [1]], ['()', []], ['(1)', 1], ['1, 2', [1, 2]], ['{1, 2}', [1, 2]], ['set()', []],
    ["{'a': 1, 2: 'b'}", { a: 1, 2: 'b' }], ["{'a': [1, {'b': (2, 3)}]}", { a: [1, { b: [2, 3] }] }], ['[\n 1,\n 2\n]', [1, 2]], ['1 # comment', 1], ['1\n', 1],
  ])('%s', (text, value) => {
    expect(literalEval(text)).toEqual({ ok: true, value });
  });

  it.each(['007', '--1', '1+2', 'x', 'f"x"', ' 1', '1\n2', '[1, 2', "'abc", 'abs(1)', '', 'None.x', '1j'])('rejects %j', (text) => {
    expect(literalEval(text)).toEqual({ ok: false });
  });
});
