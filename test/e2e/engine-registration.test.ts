/**
 * Registering DAGs with the local engine is cheap: state machines are validated and built when first
 * started. (Eagerly, asl-validator's ~90 ms per machine made `skydag dags test` spend ~8 s registering
 * the 87 DAGs of the book folder before running one task.)
 */
import { LocalEngine } from '../../local/engine/local-engine.js';
import { LocalTaskTokens } from '../../local/engine/task-tokens.js';
import type { CompiledDag } from '../../shared/compiler/compile.js';
import { BOOK_DAGS, e2eRuntime, scan, TempDirs } from './support.js';

const temp = new TempDirs();
afterAll(() => temp.cleanup());

describe('local engine registration', () => {
  it('registers the 87 DAGs of the book folder without building their machines', () => {
    const dags = [...scan(BOOK_DAGS).dags.values()];
    expect(dags.length).toBe(87);
    const started = Date.now();
    const runtime = e2eRuntime(temp, BOOK_DAGS);
    const elapsed = Date.now() - started;
    runtime.close();
    expect(elapsed).toBeLessThan(3000); // ~8,000 ms when every machine was validated up front; ~60 ms now
  });

  it('validates a machine when it is started: an invalid definition fails its execution, not the registration', async () => {
    const engine = new LocalEngine({ control: async () => null, runner: async () => null, tokens: new LocalTaskTokens() });
    const broken = {
      dag_id: 'broken',
      machines: [{ name: 'skydag-broken', role: 'main', task_ids: [], definition: { StartAt: 'Missing', States: { Other: { Type: 'Succeed' } } } }],
    } as unknown as CompiledDag;
    expect(() => engine.register(broken)).not.toThrow();
    expect(engine.has('skydag-broken')).toBe(true);
    const result = await engine.start('skydag-broken', {});
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidDefinition' });
    expect(result.cause).toBeTruthy();
  });
});
