/**
 * The esbuild bundles the CDK app deploys load in plain Node (no TypeScript, no tsx, no node_modules
 * beside them) and their handlers run: without their environment they answer with the contract's
 * error naming what is missing, which proves every import (middy, the AWS SDK, the runtime, the
 * composition root) resolved inside the bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions, FUNCTION_ENTRIES } from '../scripts/bundle-functions.js';

let outdir: string;
beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'skydag-bundles-'));
  await bundleFunctions(outdir);
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

it('writes one ESM bundle per function and the Python shim for the runner', () => {
  for (const name of Object.keys(FUNCTION_ENTRIES)) expect(existsSync(join(outdir, `${name}.mjs`))).toBe(true);
  expect(existsSync(join(outdir, 'python', 'skydag_runner', '__main__.py'))).toBe(true);
});

it.each(['control', 'runner', 'scheduler', 'reconciler', 'execution-status'])('the %s bundle loads in plain Node and reads its environment contract', (name) => {
  const script = `
    const { handler } = await import(${JSON.stringify(join(outdir, `${name}.mjs`))});
    try { await handler({ action: 'execute', run: { dag_id: 'd', run_id: 'r' }, task_id: 't', try_number: 1 }, {}); console.log('no error'); }
    catch (e) { console.log(String(e.message)); }`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  expect(out.trim()).toMatch(/^skydag \S+: environment is incomplete: SKYDAG_TABLE_NAME is not set/);
}, 60_000);
