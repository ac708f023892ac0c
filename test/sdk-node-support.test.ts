/**
 * bin/skydag.js and test/setup.ts silence the AWS SDK's Node-version notice because the SDK versions
 * pinned here support the Node this project runs on (package.json engines). This holds that claim:
 * once a pinned SDK package needs a newer Node than engines allows, this fails and the silencing
 * must go (or engines must move).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { engines?: { node?: string }; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/** The lowest major version a range such as `>=20.0.0`, `^20.19 || ^22` or `>= 18` admits. */
function lowestMajor(range: string): number {
  const majors = [...range.matchAll(/(?:^|[\s|^~>=]+)(\d+)/g)].map((m) => Number(m[1]));
  if (majors.length === 0) throw new Error(`cannot read the Node range '${range}'`);
  return Math.min(...majors);
}

it('every pinned AWS SDK package supports the lowest Node the project declares', () => {
  const project = readJson(join(root, 'package.json'));
  const projectMajor = lowestMajor(project.engines!.node!);
  const sdk = Object.keys({ ...project.dependencies, ...project.devDependencies }).filter((name) => name.startsWith('@aws-sdk/'));
  expect(sdk.length).toBeGreaterThan(0);
  for (const name of [...sdk, '@aws-sdk/core']) {
    const engines = readJson(join(root, 'node_modules', name, 'package.json')).engines?.node;
    expect({ name, supported: engines !== undefined && lowestMajor(engines) <= projectMajor }).toEqual({ name, supported: true });
  }
});

it('reads Node ranges', () => {
  expect(lowestMajor('>=20.0.0')).toBe(20);
  expect(lowestMajor('^20.19 || ^22')).toBe(20);
  expect(lowestMajor('>=22')).toBe(22);
});
