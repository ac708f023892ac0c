/**
 * Python semantics of the evaluator, checked against CPython: every expected value below is what
 * CPython 3.11 prints for repr() of the same expression or module (captured once with python3).
 */
import { reprs, repr } from './helpers.js';

const EXPRESSIONS: [string, string][] = [
  // `not` binds tighter than and/or (@lezer/python parses `not a or b` as `not (a or b)`).
  ["[not False or not False, not False and False, not (False or False), not 1 == 2, not False and False or True, not True or False and False]", "[True, False, True, True, True, False]"],
  ["[not 0 if 0 else 5, not (0 or 1) and 1, not not 0 or 0, [x for x in [0, 1, 2] if not x or x > 1]]", "[5, False, 0, [0, 2]]"],
  ["10 / 2", "5.0"],
  ["7 // 2", "3"],
  ["-7 // 2", "-4"],
  ["7 % 3", "1"],
  ["-7 % 3", "2"],
  ["7.5 // 2", "3.0"],
  ["2 ** 10", "1024"],
  ["2 ** -1", "0.5"],
  ["str(10 / 2)", "'5.0'"],
  ["str(1e16)", "'1e+16'"],
  ["str(1.5e-5)", "'1.5e-05'"],
  ["str(0.1 + 0.2)", "'0.30000000000000004'"],
  ["1 + True", "2"],
  ["\"ab\" * 3", "'ababab'"],
  ["[1, 2] * 2", "[1, 2, 1, 2]"],
  ["(1,) + (2, 3)", "(1, 2, 3)"],
  ["int(\"42\") + int(3.9) + int(\"-0x1f\", 16)", "14"],
  ["float(\"1.5\") + float(\"inf\")", "inf"],
  ["round(2.5) + round(3.5)", "6"],
  ["round(1.2345, 2)", "1.23"],
  ["abs(-3) + abs(-2.5)", "5.5"],
  ["f\"{3.14159:.2f}|{42:05d}|{'x':>4}|{'y':<3}|{'z':^5}|{1234567:,}|{0.25:.1%}|{255:x}|{255:#X}\"", "'3.14|00042|   x|y  |  z  |1,234,567|25.0%|ff|0XFF'"],
  ["f\"{'q'!r} {'s'!s} {7=} {{ds}} {{{{ ds }}}}\"", "\"'q' s 7=7 {ds} {{ ds }}\""],
  ["\"%s-%05.1f-%d%%-%r\" % (\"a\", 3.14159, 7, \"b\")", "\"a-003.1-7%-'b'\""],
  ["\"%(name)s is %(age)d\" % {\"name\": \"bob\", \"age\": 41}", "'bob is 41'"],
  ["\"{} {} {name} {:>3} {name!r}\".format(\"a\", \"b\", \"c\", name=\"n\") + \" {0} {1:>3}\".format(\"a\", \"b\")", "\"a b n   c 'n' a   b\""],
  ["\"{0[1]} {1[k]}\".format([1, 2], {\"k\": \"v\"})", "'2 v'"],
  ["\"a,b,,c\".split(\",\")", "['a', 'b', '', 'c']"],
  ["\"  a  b \".split()", "['a', 'b']"],
  ["\"a b c d\".split(\" \", 2)", "['a', 'b', 'c d']"],
  ["\"a/b/c\".rsplit(\"/\", 1)", "['a/b', 'c']"],
  ["\"  pad  \".strip() + \"|\" + \"xxhixx\".strip(\"x\") + \"|\" + \"  l\".lstrip() + \"|\" + \"r  \".rstrip()", "'pad|hi|l|r'"],
  ["\"hello world\".title() + \" \" + \"hELLO\".capitalize() + \" \" + \"Ab\".upper() + \"Ab\".lower()", "'Hello World Hello ABab'"],
  ["\"a-b\".replace(\"-\", \"+\") + \"aaa\".replace(\"a\", \"b\", 2)", "'a+bbba'"],
  ["(\"abc\".startswith(\"ab\"), \"abc\".endswith((\"x\", \"c\")), \"abc\".find(\"c\"), \"abc\".find(\"z\"), \"banana\".count(\"a\"))", "(True, True, 2, -1, 3)"],
  ["\"7\".zfill(3) + \"ab\".ljust(4, \".\") + \"ab\".rjust(4) + \"|\"", "'007ab..  ab|'"],
  ["\"l1\\nl2\\r\\nl3\".splitlines()", "['l1', 'l2', 'l3']"],
  ["\", \".join([\"a\", \"b\"]) + \"-\".join(\"xyz\")", "'a, bx-y-z'"],
  ["[x * 2 for x in range(5) if x % 2 == 0]", "[0, 4, 8]"],
  ["{k: v for k, v in zip(\"abc\", range(3))}", "{'a': 0, 'b': 1, 'c': 2}"],
  ["{x % 3 for x in range(10)}", "{0, 1, 2}"],
  ["sorted([3, 1, 2], reverse=True) + sorted([\"b\", \"a\"]) + list(reversed([1, 2, 3]))", "[3, 2, 1, 'a', 'b', 3, 2, 1]"],
  ["sorted([(\"b\", 2), (\"a\", 2), (\"c\", 1)], key=lambda p: p[1])", "[('c', 1), ('b', 2), ('a', 2)]"],
  ["(min(3, 1, 2), max([4, 9, 2]), sum([1, 2, 3]), sum([0.5, 0.25]), any([0, 1]), all([]), len(\"abcd\"))", "(1, 9, 6, 0.75, True, True, 4)"],
  ["list(enumerate([\"a\", \"b\"], start=1))", "[(1, 'a'), (2, 'b')]"],
  ["list(zip([1, 2, 3], \"ab\"))", "[(1, 'a'), (2, 'b')]"],
  ["dict(a=1, b=2)", "{'a': 1, 'b': 2}"],
  ["dict([(\"x\", 1)], y=2)", "{'x': 1, 'y': 2}"],
  ["[1, 2, 3, 4, 5][1:4]", "[2, 3, 4]"],
  ["[1, 2, 3, 4, 5][::-1]", "[5, 4, 3, 2, 1]"],
  ["[1, 2, 3, 4, 5][-2:]", "[4, 5]"],
  ["\"abcdef\"[::2] + \"abcdef\"[-1]", "'acef'"],
  ["1 < 2 < 3 and not (1 < 3 < 2)", "True"],
  ["(\"a\" in \"cat\", 3 not in [1, 2], None is None, [] is not None)", "(True, True, True, True)"],
  ["(1 if True else 2, 0 or \"x\", 1 and 0, [] or {})", "(1, 'x', 0, {})"],
  ["list(range(10, 0, -3))", "[10, 7, 4, 1]"],
  ["tuple(\"ab\")", "('a', 'b')"],
  ["set([1, 1, 2])", "{1, 2}"],
  ["(1, 2) == (1, 2) and [1, 2] != [2, 1]", "True"],
  ["isinstance(1, int) and isinstance(\"s\", (int, str)) and not isinstance(1.0, int)", "True"],
  ["{\"a\": 1, **{\"b\": 2}}", "{'a': 1, 'b': 2}"],
  ["[*range(2), *\"xy\"]", "[0, 1, 'x', 'y']"],
  ["\"é\".encode() if False else repr(\"it's\") + repr('say \"hi\"') + repr(\"tab\\there\")", "'\"it\\'s\"\\'say \"hi\"\\'\\'tab\\\\there\\''"],
  ["str([1, \"a\", None, True, 2.0, (1,), {\"k\": [1]}])", "\"[1, 'a', None, True, 2.0, (1,), {'k': [1]}]\""],
  ["divmod(-7, 2)", "(-4, 1)"],
  ["hex(255) + oct(8) + bin(5)", "'0xff0o100b101'"],
  ["chr(65) + str(ord(\"a\"))", "'A97'"],
  ["\"%.3e|%g|%g|%g\" % (12345.678, 0.0001, 1e-5, 123456789.0)", "'1.235e+04|0.0001|1e-05|1.23457e+08'"],
  ["f\"{1e-7}|{123456789012345678.0}|{1.0}|{-0.0}|{1/3}\"", "'1e-07|1.2345678901234568e+17|1.0|-0.0|0.3333333333333333'"],
  ["f\"{12.5:e}|{0.000123:g}|{1234567.0:g}|{3:.2f}|{-5:+d}|{5: d}\"", "'1.250000e+01|0.000123|1.23457e+06|3.00|-5| 5'"],
];

const STDLIB_PRELUDE = 'import json, os.path, textwrap, itertools, copy, math, re\nfrom datetime import datetime, timedelta, date, timezone\n';
const STDLIB: [string, string][] = [
  // re (task ids built with re.sub, configs filtered with re.match): what CPython 3.11 gives.
  ["[re.sub(r\"\\W+\", \"\", t) for t in [\"#python\", \"#pydata\", \"data wrangling\"]]", "['python', 'pydata', 'datawrangling']"],
  ["re.sub(r\"(\\w+)@(\\w+)\", r\"\\2 at \\g<1>\", \"me@host, you@there\", count=1)", "'host at me, you@there'"],
  ["re.sub(\"(?P<y>\\\\d{4})-(?P<m>\\\\d{2})\", r\"\\g<m>/\\g<y>\", \"2024-05 and 2023-11\")", "'05/2024 and 11/2023'"],
  ["re.subn(\"a\", \"b\", \"banana\")", "('bbnbnb', 3)"],
  ["[bool(re.match(r\"^load_\\w+$\", \"load_orders\")), re.match(\"x\", \"yx\"), re.search(\"x\", \"yx\").group(), re.fullmatch(r\"\\d+\", \"123\").span()]", "[True, None, 'x', (0, 3)]"],
  ["[re.findall(r\"\\d+\", \"a1b22c333\"), re.findall(r\"(\\w)=(\\d)\", \"a=1, b=2\"), re.split(r\"[,;]\\s*\", \"a, b;c\"), re.split(r\"(-)\", \"a-b\")]", "[['1', '22', '333'], [('a', '1'), ('b', '2')], ['a', 'b', 'c'], ['a', '-', 'b']]"],
  ["[re.compile(r\"^etl_\", re.I).sub(\"\", \"ETL_orders\"), re.escape(\"a.b*c d\"), re.match(r\"(?i)LOAD\", \"load\").group(0), re.search(r\"(?P<n>\\d+)\", \"id 42\").groupdict()]", "['orders', 'a\\\\.b\\\\*c\\\\ d', 'load', {'n': '42'}]"],
  ["re.sub(r\"[^a-z0-9]+\", lambda m: \"_\" * len(m.group()), \"a.b--c\")", "'a_b__c'"],
  ["json.dumps({\"a\": [1, 2.5, None, True], \"b\": \"é\\n\"})", "'{\"a\": [1, 2.5, null, true], \"b\": \"\\\\u00e9\\\\n\"}'"],
  ["json.dumps({\"b\": 1, \"a\": {\"c\": []}}, sort_keys=True, indent=2)", "'{\\n  \"a\": {\\n    \"c\": []\\n  },\\n  \"b\": 1\\n}'"],
  ["json.loads('{\"x\": [1, 2.5, null, false], \"y\": \"z\"}')", "{'x': [1, 2.5, None, False], 'y': 'z'}"],
  ["os.path.join(\"/a\", \"b\", \"c.sql\") + \"|\" + os.path.join(\"a/\", \"b\") + \"|\" + os.path.join(\"a\", \"/abs\", \"x\")", "'/a/b/c.sql|a/b|/abs/x'"],
  ["(os.path.basename(\"/x/y/z.py\"), os.path.dirname(\"/x/y/z.py\"), os.path.splitext(\"a/b.tar.gz\"), os.path.dirname(\"z.py\"), os.path.normpath(\"a/./b/../c\"))", "('z.py', '/x/y', ('a/b.tar', '.gz'), '', 'a/c')"],
  ["textwrap.dedent(\"\"\"\n    line one\n      indented\n    last\n\"\"\")", "'\\nline one\\n  indented\\nlast\\n'"],
  ["list(itertools.product([1, 2], \"ab\"))", "[(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]"],
  ["list(itertools.chain([1], (2, 3)))", "[1, 2, 3]"],
  ["list(itertools.combinations(\"abc\", 2))", "[('a', 'b'), ('a', 'c'), ('b', 'c')]"],
  ["copy.deepcopy({\"a\": [1]})", "{'a': [1]}"],
  ["math.floor(2.7) + math.ceil(2.1)", "5"],
  ["str(datetime(2024, 1, 2, 3, 4, 5))", "'2024-01-02 03:04:05'"],
  ["datetime(2024, 1, 2).strftime(\"%Y-%m-%d %H:%M:%S %a %b %j %A %B %y %p %I\")", "'2024-01-02 00:00:00 Tue Jan 002 Tuesday January 24 AM 12'"],
  ["datetime(2024, 3, 1, 13, 5).isoformat()", "'2024-03-01T13:05:00'"],
  ["str(datetime(2024, 1, 1, tzinfo=timezone.utc))", "'2024-01-01 00:00:00+00:00'"],
  ["str(timedelta(days=1, hours=2, minutes=3, seconds=4))", "'1 day, 2:03:04'"],
  ["str(timedelta(minutes=5))", "'0:05:00'"],
  ["str(timedelta(seconds=-1))", "'-1 day, 23:59:59'"],
  ["str(timedelta(days=2, microseconds=250000))", "'2 days, 0:00:00.250000'"],
  ["(timedelta(hours=1) * 3).total_seconds()", "10800.0"],
  ["timedelta(days=1) + timedelta(hours=12) == timedelta(hours=36)", "True"],
  ["str(datetime(2024, 1, 31) + timedelta(days=1))", "'2024-02-01 00:00:00'"],
  ["str(datetime(2024, 3, 1) - datetime(2024, 2, 1))", "'29 days, 0:00:00'"],
  ["(datetime(2024, 5, 17).weekday(), datetime(2024, 5, 17).isoweekday(), datetime(2024, 5, 17).year)", "(4, 5, 2024)"],
  ["str(date(2024, 2, 29) + timedelta(days=1))", "'2024-03-01'"],
  ["str(datetime(2024, 1, 1, 10, 30).replace(hour=0, minute=0))", "'2024-01-01 00:00:00'"],
  ["str(datetime(2024, 1, 1, 10).date())", "'2024-01-01'"],
  ["str(datetime.strptime(\"2021-03-04 05:06\", \"%Y-%m-%d %H:%M\"))", "'2021-03-04 05:06:00'"],
  ["f\"{datetime(2024, 7, 4):%d/%m/%Y}\"", "'04/07/2024'"],
  ["timedelta(days=1) // timedelta(hours=5)", "4"],
  ["timedelta(days=1) / timedelta(hours=5)", "4.8"],
  ["str(timedelta(days=1) / 4)", "'6:00:00'"],
  ["timedelta(days=1, seconds=30).seconds + timedelta(days=1, seconds=30).days", "31"],
];

const PROGRAMS: [string, Record<string, string>][] = [
  ["\ndef make_adder(n):\n    def add(x, *rest, scale=1, **kw):\n        return (x + n + sum(rest)) * scale + len(kw)\n    return add\nadd5 = make_adder(5)\nr1 = add5(1)\nr2 = add5(1, 2, 3, scale=2, extra=1)\n", {"r1": "6", "r2": "23"}],
  ["\ncounter = 0\ndef bump():\n    global counter\n    counter += 1\n    return counter\nbump(); bump()\ndef outer():\n    total = 0\n    def inner():\n        nonlocal total\n        total += 10\n    inner(); inner()\n    return total\nr = outer()\n", {"counter": "2", "r": "20"}],
  ["\na, *b, c = [1, 2, 3, 4, 5]\n(x, y), z = (1, 2), 3\nfirst, second = \"ab\"\nd = {\"k\": [1]}\nd[\"k\"] += [2]\nd[\"n\"] = d.get(\"n\", 0) + 1\nlst = [3, 1, 2]\nlst.sort()\nlst.append(4); lst.insert(0, 0); lst.extend([9]); popped = lst.pop()\ns = \"x\"\ns += \"y\" * 2\nif (n := len(lst)) > 3:\n    big = True\n", {"a": "1", "b": "[2, 3, 4]", "c": "5", "x": "1", "y": "2", "z": "3", "first": "'a'", "second": "'b'", "d": "{'k': [1, 2], 'n': 1}", "lst": "[0, 1, 2, 3, 4]", "popped": "9", "s": "'xyy'", "n": "5", "big": "True"}],
  ["\nout = []\nfor i in range(10):\n    if i == 2:\n        continue\n    if i == 5:\n        break\n    out.append(i)\nelse:\n    out.append(\"never\")\nfor k, v in {\"a\": 1, \"b\": 2}.items():\n    out.append(k * v)\nfor ch in \"hi\":\n    out.append(ch.upper())\nfor i, (p, q) in enumerate(zip(\"ab\", \"cd\")):\n    out.append(f\"{i}{p}{q}\")\n", {"out": "[0, 1, 3, 4, 'a', 'bb', 'H', 'I', '0ac', '1bd']", "i": "1", "k": "'b'", "v": "2", "ch": "'i'", "p": "'b'", "q": "'d'"}],
  ["\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nf10 = fib(10)\nsq = list(map(lambda v: v * v, [1, 2, 3]))\nev = list(filter(lambda v: v % 2 == 0, range(7)))\ntry:\n    t = 1\nfinally:\n    t2 = 2\nclass Foo:\n    x = 1\nname = \"__main__\" if __name__ == \"__main__\" else \"module\"\ncfg = {\"tables\": [\"a\", \"b\"], \"retries\": 3}\nids = [f\"load_{t}\" for t in cfg[\"tables\"]]\nnested = [[i * j for j in range(3)] for i in range(2)]\nflat = [x for row in nested for x in row if x]\n", {"f10": "55", "sq": "[1, 4, 9]", "ev": "[0, 2, 4, 6]", "t": "1", "t2": "2", "name": "'module'", "cfg": "{'tables': ['a', 'b'], 'retries': 3}", "ids": "['load_a', 'load_b']", "nested": "[[0, 0, 0], [0, 1, 2]]", "flat": "[1, 2]"}],
];

describe('Python expressions (against CPython)', () => {
  it.each(EXPRESSIONS)('%s', (expr, expected) => {
    expect(repr(expr)).toBe(expected);
  });
});

describe('standard library (against CPython)', () => {
  it.each(STDLIB)('%s', (expr, expected) => {
    expect(reprs(`${STDLIB_PRELUDE}__x = ${expr}\n`, '__x').__x).toBe(expected);
  });
});

describe('statements and functions (against CPython)', () => {
  it.each(PROGRAMS.map(([src, globals], i) => [i, src, globals] as const))('program %i', (_i, src, globals) => {
    expect(reprs(src, ...Object.keys(globals))).toEqual(globals);
  });
});
