import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledDag } from '../../shared/compiler/compile.js';
import { withAwsTimeouts } from './aws-timeouts.js';
import { ASL_VALIDATION, LocalEngine } from './local-engine.js';
import { LocalTaskTokens } from './task-tokens.js';
import { ValidatedDefinitions, validatorVersion } from './validated-definitions.js';
import { Placeholder } from '../../shared/compiler/resources.js';

const CONTROL = Placeholder.CONTROL_FUNCTION;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skydag-validated-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const engineWith = (folder: string) => new LocalEngine({ control: async () => null, runner: async () => null, tokens: new LocalTaskTokens(), validated: new ValidatedDefinitions(folder) });
const dagOf = (definition: unknown): CompiledDag => ({ dag_id: 'd', machines: [{ name: 'skydag-d', role: 'main', task_ids: [], definition }] }) as unknown as CompiledDag;
const passing = { StartAt: 'A', States: { A: { Type: 'Pass', Result: { ok: 1 }, End: true } } };

describe('validated definitions', () => {
  it('records a definition asl-validator accepted, once, under its content hash', async () => {
    for (let i = 0; i < 2; i++) {
      const engine = engineWith(dir);
      engine.register(dagOf(passing));
      expect(await engine.start('skydag-d', {})).toMatchObject({ status: 'SUCCEEDED', output: { ok: 1 } });
    }
    const cache = new ValidatedDefinitions(dir);
    expect(passing.States.A).not.toHaveProperty('QueryLanguage'); // the library got a copy
    expect(readdirSync(dir)).toEqual([cache.keyOf(JSON.stringify(withAwsTimeouts(passing as never)), ASL_VALIDATION)]);
  });

  it('does not record a rejected definition: it fails validation at every start', async () => {
    const broken = { StartAt: 'Missing', States: { Other: { Type: 'Succeed' } } };
    for (let i = 0; i < 2; i++) {
      const engine = engineWith(dir);
      engine.register(dagOf(broken));
      expect(await engine.start('skydag-d', {})).toMatchObject({ status: 'FAILED', error: 'InvalidDefinition' });
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('skips asl-validator for a recorded definition', async () => {
    // Runnable, but asl-validator rejects the unknown field: it runs only if the validator is skipped.
    const unknownField = { StartAt: 'A', States: { A: { Type: 'Pass', End: true, NotAnAslField: 1 } } };
    const first = engineWith(dir);
    first.register(dagOf(unknownField));
    expect(await first.start('skydag-d', {})).toMatchObject({ status: 'FAILED', error: 'InvalidDefinition' });
    const cache = new ValidatedDefinitions(dir);
    cache.record(cache.keyOf(JSON.stringify(withAwsTimeouts(unknownField as never)), ASL_VALIDATION));
    const second = engineWith(dir);
    second.register(dagOf(unknownField));
    expect(await second.start('skydag-d', {})).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('validates a new definition while its execution runs: an invalid one is stopped there and fails as invalid', async () => {
    let calls = 0;
    const hanging = new LocalEngine({
      control: () => {
        calls++;
        return new Promise(() => undefined); // a task that would run for ever
      },
      runner: async () => null,
      tokens: new LocalTaskTokens(),
      validated: new ValidatedDefinitions(dir),
    });
    const invalidTask = {
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: CONTROL, Payload: {} }, End: true, NotAnAslField: 1 } },
    };
    hanging.register(dagOf(invalidTask));
    const result = await hanging.start('skydag-d', {});
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidDefinition', cause: expect.stringContaining('State machine definition is invalid') });
    expect(calls).toBe(1); // it had started: the check ran beside it
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keys by content: another definition or other options is another key', () => {
    const cache = new ValidatedDefinitions(dir);
    const key = cache.keyOf(JSON.stringify(passing), ASL_VALIDATION);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cache.keyOf(JSON.stringify({ ...passing, Comment: 'x' }), ASL_VALIDATION)).not.toBe(key);
    expect(cache.keyOf(JSON.stringify(passing), { checkArn: true })).not.toBe(key);
    expect(cache.has(key)).toBe(false);
  });

  it('keys definitions by the vendored validator’s version and patch level (a patch may judge differently)', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../vendor/asl-validator/package.json'), 'utf8')) as { version: string; skydag: { patch: number } };
    expect(validatorVersion()).toBe(`${manifest.version}+skydag.${manifest.skydag.patch}`);
  });
});
