/** Folders a DAG file adds to sys.path relative to itself: found, and their modules bundled with the version. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { collectSourceBundle } from './source-bundle.js';
import { sysPathRoots } from './sys-path-roots.js';

let folder: string;
beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'skydag-syspath-'))));
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function write(path: string, text = '') {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
}

const APPEND_OWN_FOLDER = 'import os, sys\nsys.path.append(os.path.dirname(os.path.abspath(__file__)))\nfrom lib.helpers import greet\n';

describe('sysPathRoots', () => {
  it("is the file's folder and those above it inside the DAGs folder, for a file that extends sys.path from __file__", () => {
    write('team/project/etl.py', APPEND_OWN_FOLDER);
    expect(sysPathRoots(folder, 'team/project/etl.py', APPEND_OWN_FOLDER)).toEqual([join(folder, 'team/project'), join(folder, 'team')]);
  });

  it('adds the existing folders a string literal of the file names below those, never outside the DAGs folder', () => {
    write('team/lib/helpers.py');
    write('team/etl.py');
    const source = 'import os, sys\nHERE = os.path.dirname(__file__)\nsys.path.insert(0, os.path.join(HERE, "lib"))\nsys.path.append(os.path.join(HERE, "missing"))\nsys.path.append("../../outside")\nimport helpers\n';
    expect(sysPathRoots(folder, 'team/etl.py', source)).toEqual([join(folder, 'team'), join(folder, 'team/lib')]);
  });

  it('is nothing for a file that does not touch sys.path with __file__ (Airflow would not find the sibling either)', () => {
    write('team/etl.py');
    expect(sysPathRoots(folder, 'team/etl.py', 'from lib.helpers import greet\n')).toEqual([]);
    expect(sysPathRoots(folder, 'team/etl.py', 'import sys\nsys.path.append("/opt/x")\n')).toEqual([]);
    // A file at the top: the DAGs folder is a root already.
    expect(sysPathRoots(folder, 'etl.py', APPEND_OWN_FOLDER)).toEqual([]);
  });
});

it("bundles the modules the file imports from its own sys.path folders, where the task's sys.path finds them", () => {
  write('team/project/etl.py', APPEND_OWN_FOLDER);
  write('team/project/lib/__init__.py');
  write('team/project/lib/helpers.py', 'from lib import text\ndef greet(n):\n    return text.HELLO + n\n');
  write('team/project/lib/text.py', 'HELLO = "hello "\n');
  write('team/project/unrelated.py', 'X = 1\n');
  const paths = collectSourceBundle(folder, 'team/project/etl.py', APPEND_OWN_FOLDER, []).files.map((f) => f.path).sort();
  expect(paths).toEqual(['team/project/etl.py', 'team/project/lib/__init__.py', 'team/project/lib/helpers.py', 'team/project/lib/text.py']);
});
