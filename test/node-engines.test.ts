/**
 * One supported Node, stated alike in package.json `engines`, `.nvmrc` and the README, and admitted by
 * every installed package: a package whose `engines` excludes a Node the project supports makes
 * `npm install` warn EBADENGINE on a fresh clone (as aws-local-stepfunctions' `>=22` did, now vendored).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const root = join(__dirname, '..');
const projectEngines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
const nvmrcMajor = Number(readFileSync(join(root, '.nvmrc'), 'utf8').trim());

/** The lowest Node of each `||` alternative of a range: the versions every package must accept. */
function lowestOfEachAlternative(range: string): string[] {
  return range.split('||').map((part) => semver.minVersion(part.trim())!.version);
}

it('.nvmrc names a major that engines admits, and the README states both', () => {
  expect(Number.isInteger(nvmrcMajor)).toBe(true);
  expect(semver.intersects(projectEngines, `^${nvmrcMajor}`)).toBe(true);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  expect(readme).toContain(`Needs Node.js ${nvmrcMajor} (${semver.minVersion(projectEngines)!.major}.${semver.minVersion(projectEngines)!.minor} or newer`);
});

it('every installed package accepts the lowest version of each Node the project supports', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  const versions = lowestOfEachAlternative(projectEngines);
  expect(versions.length).toBeGreaterThan(0);
  const refused: string[] = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Optional packages for other platforms (rolldown's bindings, ...) are not installed, so npm does not check them.
    if (path === '' || !existsSync(join(root, path))) continue;
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!range) continue;
    checked++;
    for (const version of versions) if (!semver.satisfies(version, range)) refused.push(`${path} (${range}) refuses Node ${version}`);
  }
  expect(checked).toBeGreaterThan(50);
  expect(refused).toEqual([]);
});

it('reads each alternative of a range', () => {
  expect(lowestOfEachAlternative('^20.19 || ^22.13')).toEqual(['20.19.0', '22.13.0']);
});
