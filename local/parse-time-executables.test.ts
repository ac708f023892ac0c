/** `shutil.which("name")` in DAG files: answered by the platform from the PATH tasks run with. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanDagsFolder } from './dags-folder.js';
import { parseTimeExecutables, which } from './parse-time-executables.js';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'skydag-which-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tool(dir: string, name: string, mode = 0o755): string {
  mkdirSync(join(root, dir), { recursive: true });
  const path = join(root, dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, mode);
  return path;
}

describe('which', () => {
  it('is the first executable, non-directory entry on the PATH, as Python finds it', () => {
    tool('a', 'venvtool', 0o644); // not executable
    mkdirSync(join(root, 'b', 'venvtool'), { recursive: true }); // a directory
    const found = tool('c', 'venvtool');
    tool('d', 'venvtool');
    const path = ['a', 'b', 'c', 'd'].map((d) => join(root, d)).join(':');
    expect(which('venvtool', path)).toBe(found);
    expect(which('other', path)).toBeNull();
    expect(which('venvtool', '')).toBeNull();
  });

  it('looks up the commands the sources name in which() literals, on the tasks\' PATH', () => {
    const found = tool('bin', 'mytool');
    const env = { PATH: join(root, 'bin') };
    const sources = [{ source: 'import shutil\nif shutil.which("mytool") and which(cmd=\'absent-tool\'):\n    pass\nshutil.which(name)\n' }, { source: 'x = 1' }];
    expect(parseTimeExecutables(sources, env)).toEqual({ 'absent-tool': null, mytool: found });
    expect(parseTimeExecutables([{ source: 'print("which(")' }], env)).toEqual({});
  });
});

it('a DAG defined only when a tool is installed appears once it is on the PATH', async () => {
  mkdirSync(join(root, 'dags'));
  writeFileSync(join(root, 'dags', 'venv.py'), [
    'import shutil',
    'from datetime import datetime',
    'from airflow.decorators import dag, task',
    'if not shutil.which("skydag-test-venv-tool"):',
    '    print("needs the tool")',
    'else:',
    '    @dag(schedule=None, start_date=datetime(2024, 1, 1))',
    '    def needs_tool():',
    '        @task',
    '        def t():',
    '            return 1',
    '        t()',
    '    needs_tool()',
    '',
  ].join('\n'));
  const scan = async () => {
    const result = await scanDagsFolder(join(root, 'dags'), new Date('2024-06-01T00:00:00Z'));
    expect(result.files.flatMap((f) => f.diagnostics).filter((d) => d.severity === 'error')).toEqual([]);
    return [...result.dags.keys()];
  };
  const savedPath = process.env.PATH;
  try {
    expect(await scan()).toEqual([]);
    tool('bin', 'skydag-test-venv-tool');
    process.env.PATH = `${join(root, 'bin')}:${savedPath}`;
    expect(await scan()).toEqual(['needs_tool']);
  } finally {
    process.env.PATH = savedPath;
  }
}, 30_000);
