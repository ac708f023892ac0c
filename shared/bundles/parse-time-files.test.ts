import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PARSE_FILE_LIMITS, parseTimeFiles } from './parse-time-files.js';

let root: string;
let folder: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'skydag-parse-files-'));
  folder = join(root, 'dags');
  mkdirSync(folder);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(folder, path)), { recursive: true });
  writeFileSync(join(folder, path), text);
}

describe('parseTimeFiles (the config files a DAG file names, handed to the reader)', () => {
  it('finds the files its string literals name beside it, at the folder top, and under a folder named by another literal', () => {
    write('team/settings.json', '{}');
    write('team/conf/tables.yaml', 'a: 1');
    write('top.yml', 'b: 2');
    write('team/unnamed.json', '{}');
    const source = 'open(join(HERE, "settings.json")); Path(__file__).parent / "conf" / "tables.yaml"; open("top.yml"); open("nowhere.json")';
    expect(parseTimeFiles(folder, [{ file: 'team/etl.py', source }])).toEqual({ 'team/settings.json': '{}', 'team/conf/tables.yaml': 'a: 1', 'top.yml': 'b: 2' });
  });

  it('never hands over a file outside the folder (a path or a symbolic link leaving it), a folder, or a file over the size limit', () => {
    writeFileSync(join(root, 'secret.json'), '{"key": "x"}');
    symlinkSync(join(root, 'secret.json'), join(folder, 'linked.json'));
    mkdirSync(join(folder, 'dir.json'));
    write('big.json', 'x'.repeat(PARSE_FILE_LIMITS.bytes + 1));
    write('ok.json', '[]');
    const source = '"../secret.json" "linked.json" "dir.json" "big.json" "ok.json"';
    expect(parseTimeFiles(folder, [{ file: 'etl.py', source }])).toEqual({ 'ok.json': '[]' });
  });
});
