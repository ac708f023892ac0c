import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { BundleCache } from './bundle-cache.js';
import { pythonImports } from './python-imports.js';
import { bundleDigest, bundleKey, collectSourceBundle, decodeBundle, encodeBundle } from './source-bundle.js';

let folder: string;
beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'skydag-bundle-'))));
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
}

describe('pythonImports', () => {
  it('finds every import, in functions and blocks too, with relative levels and from-names', () => {
    const source = [
      'import os, a.b.c as x',
      'from pkg.sub import one, two as deux',
      'from . import sibling',
      'from ..up.mod import *',
      'def f():',
      '    import inner',
      'try:',
      '    from opt import thing',
      'except ImportError:',
      '    pass',
    ].join('\n');
    expect(pythonImports(source)).toEqual([
      { module: 'os', level: 0, names: [] },
      { module: 'a.b.c', level: 0, names: [] },
      { module: 'pkg.sub', level: 0, names: ['one', 'two'] },
      { module: '', level: 1, names: ['sibling'] },
      { module: 'up.mod', level: 2, names: ['*'] },
      { module: 'inner', level: 0, names: [] },
      { module: 'opt', level: 0, names: ['thing'] },
    ]);
  });

  it('finds imports after `;`, in every compound statement, and none in what only looks like one', () => {
    const source = [
      'x = 1; import after_semicolon',
      'if x:',
      '    import in_if',
      'elif y:',
      '    from in_elif import e',
      'else:',
      '    import in_else',
      'while x:',
      '    import in_while',
      'for i in range(3):',
      '    import in_for',
      'with open("f") as f:',
      '    import in_with',
      'class C:',
      '    import in_class',
      '@decorator',
      'def g():',
      '    try:',
      '        pass',
      '    finally:',
      '        import in_finally',
      'match x:',
      '    case 1:',
      '        import in_match',
      't = BashOperator(task_id="import not_an_import", bash_command="from x import y")',
      'a >> b  # import commented',
      "s = '''",
      'import in_a_string',
      "'''",
    ].join('\n');
    const modules = pythonImports(source).map((i) => i.module);
    expect(modules).toEqual(['after_semicolon', 'in_if', 'in_elif', 'in_else', 'in_while', 'in_for', 'in_with', 'in_class', 'in_finally', 'in_match']);
    expect(pythonImports(source)).toBe(pythonImports(source)); // read once per text
    expect(Object.isFrozen(pythonImports(source))).toBe(true);
  });
});

describe('collectSourceBundle', () => {
  it('holds the parsed text, the modules it imports from the DAGs folder (transitively) and the files its tasks name', () => {
    write('dags/etl.py', 'on disk, edited since the parse');
    write('common/__init__.py', '');
    write('common/io.py', 'from common import fmt\nimport json\n');
    write('common/fmt.py', 'X = 1\n');
    write('lib.py', 'def f():\n    import deep.inner\n');
    write('deep/inner.py', '');
    write('unused.py', 'not imported');
    write('dags/sql/report.sql', 'SELECT 1');
    write('meta/rows.csv', 'a,b');
    const source = 'import common.io\nimport lib\nimport airflow\nfrom datetime import datetime\n';
    const dag = makeDag('etl', [
      makeTask('t', { args: { sql: 'sql/report.sql', nested: { files: ['meta/rows.csv', 'no/such.file'] }, cmd: '{{ ds }}.sql' } }),
    ]);
    const bundle = collectSourceBundle(folder, 'dags/etl.py', source, [dag]);
    const files = Object.fromEntries(bundle.files.map((f) => [f.path, f.data.toString('utf8')]));
    expect(Object.keys(files).sort()).toEqual(['common/__init__.py', 'common/fmt.py', 'common/io.py', 'dags/etl.py', 'dags/sql/report.sql', 'deep/inner.py', 'lib.py', 'meta/rows.csv']);
    expect(files['dags/etl.py']).toBe(source);
    expect(bundle.digest).toBe(bundleDigest(bundle.files));
  });

  it('holds the templates a task string or a template file {% include %}s, transitively, from the DAG folder or template_searchpath', () => {
    write('dags/q.py', '');
    write('dags/sql/main.sql', "SELECT * FROM {% include 'sql/from.sql' %}");
    write('dags/sql/from.sql', '{% include "where.sql" %}');
    write('shared_sql/where.sql', 'WHERE 1');
    write('dags/header.txt', 'header');
    write('dags/unused.sql', 'not included');
    const dag = { ...makeDag('q', [makeTask('t', { args: { sql: 'sql/main.sql', cmd: "{% include 'header.txt' %} {{ ds }}" } })]), template_searchpath: ['shared_sql'] };
    const paths = collectSourceBundle(folder, 'dags/q.py', '', [dag]).files.map((f) => f.path).sort();
    expect(paths).toEqual(['dags/header.txt', 'dags/q.py', 'dags/sql/from.sql', 'dags/sql/main.sql', 'shared_sql/where.sql']);
  });

  it('holds the config files the DAG file read at parse time (parse_files), so a changed one makes another digest', () => {
    write('dags/c.py', '');
    write('dags/conf/tables.yaml', 'tables: [a]\n');
    write('dags/conf/other.yaml', 'not read');
    const dag = { ...makeDag('c', [makeTask('t')]), parse_files: ['dags/conf/tables.yaml', '../outside.json'] };
    const bundle = () => collectSourceBundle(folder, 'dags/c.py', '', [dag]);
    expect(bundle().files.map((f) => f.path).sort()).toEqual(['dags/c.py', 'dags/conf/tables.yaml']);
    const before = bundle().digest;
    write('dags/conf/tables.yaml', 'tables: [a, b]\n');
    expect(bundle().digest).not.toBe(before);
  });

  it('gives the same digest for the same sources and another one when an imported module changes', () => {
    write('helper.py', 'A = 1\n');
    const digest = () => collectSourceBundle(folder, 'd.py', 'import helper\n', []).digest;
    const first = digest();
    expect(digest()).toBe(first);
    write('helper.py', 'A = 2\n');
    expect(digest()).not.toBe(first);
  });

  it("holds the modules a YAML DAG's callables name (dotted python_callable, python_callable_file), with what they import", () => {
    write('team/etl.yaml', 'etl: {}');
    write('etl_lib/__init__.py', '');
    write('etl_lib/transform.py', 'from etl_lib import helpers\n');
    write('etl_lib/helpers.py', '');
    write('team/callables.py', 'import shared_util\n');
    write('shared_util.py', '');
    write('unrelated.py', '');
    const task = {
      ...makeTask('t'),
      args: {
        python_callable: { $type: 'callable' as const, name: 'run', module: 'etl_lib.transform', file: 'team/etl.yaml', line: 1 },
        op_kwargs: { cb: { $type: 'callable' as const, name: 'clean', file: 'team/callables.py', line: 1 } },
      },
    };
    const bundle = collectSourceBundle(folder, 'team/etl.yaml', 'etl: {}', [makeDag('etl', [task])]);
    expect(bundle.files.map((f) => f.path).sort()).toEqual([
      'etl_lib/__init__.py', 'etl_lib/helpers.py', 'etl_lib/transform.py', 'shared_util.py', 'team/callables.py', 'team/etl.yaml',
    ]);
  });

  it('never bundles files outside the DAGs folder', () => {
    const outside = mkdtempSync(join(tmpdir(), 'skydag-outside-'));
    try {
      writeFileSync(join(outside, 'secret.txt'), 'x');
      const dag = makeDag('d', [makeTask('t', { args: { path: join(outside, 'secret.txt'), rel: '../secret.txt' } })]);
      const bundle = collectSourceBundle(folder, 'd.py', 'from .. import secret\n', [dag]);
      expect(bundle.files.map((f) => f.path)).toEqual(['d.py']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('stored bundles', () => {
  it('round-trip, and a damaged or replaced body is refused', () => {
    write('helper.py', 'A = 1\n');
    const bundle = collectSourceBundle(folder, 'd.py', 'import helper\n', []);
    expect(decodeBundle(encodeBundle(bundle), bundle.digest)).toEqual(bundle);
    const tampered = JSON.parse(encodeBundle(bundle).toString()) as { files: { path: string; data: string }[] };
    tampered.files[0]!.data = Buffer.from('import os; os.system("x")').toString('base64');
    expect(() => decodeBundle(Buffer.from(JSON.stringify(tampered)), bundle.digest)).toThrow(/hash to/);
    const escaping = { ...tampered, files: [{ path: '../evil.py', data: '' }] };
    expect(() => decodeBundle(Buffer.from(JSON.stringify(escaping)), bundle.digest)).toThrow(/invalid file path/);
    expect(() => bundleKey('../x')).toThrow(/invalid bundle digest/);
  });

  it('are extracted once per digest, read-only, and an unknown digest is an error', async () => {
    write('pkg/mod.py', 'A = 1\n');
    const bundle = collectSourceBundle(folder, 'd.py', 'import pkg.mod\n', []);
    let loads = 0;
    const root = join(folder, 'cache');
    const cache = new BundleCache(root, async (digest) => {
      loads += 1;
      return digest === bundle.digest ? bundle : undefined;
    });
    const [a, b] = await Promise.all([cache.folder(bundle.digest), cache.folder(bundle.digest)]);
    expect(a).toBe(join(root, bundle.digest));
    expect(b).toBe(a);
    expect(loads).toBe(1);
    expect(readFileSync(join(a, 'pkg', 'mod.py'), 'utf8')).toBe('A = 1\n');
    expect(statSync(join(a, 'pkg', 'mod.py')).mode & 0o222).toBe(0);
    expect(readdirSync(root)).toEqual([bundle.digest]);
    await expect(cache.folder('0'.repeat(64))).rejects.toThrow(/missing from the blob store/);
  });
});
