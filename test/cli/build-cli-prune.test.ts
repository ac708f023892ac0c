import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/build-cli.mjs is an ES module run by node itself (npm's prepare, bin/skydag.js): called in a child node.
function prune(dir: string, builtNow: string[]): string[] {
  const script = `const m = await import(${JSON.stringify(join(__dirname, '../../scripts/build-cli.mjs'))}); console.log(JSON.stringify(m.pruneOldBuilds(${JSON.stringify(dir)}, ${JSON.stringify(builtNow)})));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return (JSON.parse(run.stdout) as string[]).sort();
}

const HOUR = 3600;

describe('dist/cli keeps the files of the last three builds and drops older builds once an hour old', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-prune-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, ageHours: number) => {
    writeFileSync(join(dir, name), name);
    const at = Date.now() / 1000 - ageHours * HOUR;
    utimesSync(join(dir, name), at, at);
  };

  it('removes only what no recent build made and is older than the grace', () => {
    file('main.js', 0);
    file('chunk-NEW.js', 0);
    file('chunk-OLD.js', 30); // of an earlier build no longer recorded
    file('chunk-RACE.js', 0.1); // a build running at the same time moved it in just now
    expect(prune(dir, ['main.js', 'chunk-NEW.js'])).toEqual(['chunk-OLD.js']);
    expect(readdirSync(dir).sort()).toEqual(['builds.json', 'chunk-NEW.js', 'chunk-RACE.js', 'main.js']);
  });

  it('keeps the files of the two builds before, however old, and forgets the fourth', () => {
    file('a.js', 50);
    expect(prune(dir, ['a.js'])).toEqual([]);
    file('b.js', 40);
    expect(prune(dir, ['b.js'])).toEqual([]);
    file('c.js', 30);
    expect(prune(dir, ['c.js'])).toEqual([]);
    // The fourth build: a.js's build is no longer among the last three.
    file('d.js', 0);
    expect(prune(dir, ['d.js'])).toEqual(['a.js']);
    expect(JSON.parse(readFileSync(join(dir, 'builds.json'), 'utf8'))).toEqual([['d.js'], ['c.js'], ['b.js']]);
  });

  it('a damaged history only costs the older builds their protection beyond the grace', () => {
    file('old.js', 30);
    file('young.js', 0.5);
    writeFileSync(join(dir, 'builds.json'), '{not json');
    expect(prune(dir, ['main.js'])).toEqual(['old.js']);
    expect(readdirSync(dir).sort()).toEqual(['builds.json', 'young.js']);
  });
});
