/**
 * Virtualenv tasks end to end (test/fixtures/e2e/virtualenv.py): PythonVirtualenvOperator and
 * @task.virtualenv run their callable in a virtualenv made with the machine's python (no
 * requirements: no network), cached under $SKYDAG_HOME/venvs by a hash of its settings;
 * ExternalPythonOperator runs it with the interpreter given.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { E2E_DAGS, e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const temp = new TempDirs();
let home: string;
let runtime: LocalRuntime;
let first: E2eRun;
let second: E2eRun;

beforeAll(async () => {
  home = temp.make('skydag-e2e-home-');
  runtime = e2eRuntime(temp, E2E_DAGS, { home });
  first = await runDag(runtime, 'e2e_virtualenv', { logicalDate: new Date('2024-03-05T00:00:00Z') });
  second = await runDag(runtime, 'e2e_virtualenv', { logicalDate: new Date('2024-03-06T00:00:00Z') });
}, 180_000);
afterAll(() => {
  runtime.close();
  temp.cleanup();
});

describe('virtualenv tasks (e2e_virtualenv)', () => {
  it('run the callable in a virtualenv, with the system site packages unless told otherwise', () => {
    expect(statesAndTries(first.tasks)).toEqual({ venv_op: ['success', 1], with_site: ['success', 1], no_site: ['success', 1], external: ['success', 1], decorated: ['success', 1] });
    expect(first.tasks.venv_op!.xcom.return_value).toEqual({ day: '2024-03-05', venv: true });
    expect(first.tasks.with_site!.xcom.return_value).toBe('requests importable');
    expect(first.tasks.no_site!.xcom.return_value).toBe('isolated');
    expect(first.tasks.decorated!.xcom.return_value).toEqual([42, true, '2024-03-05']);
    expect(first.tasks.external!.xcom.return_value).toBe(true); // the machine's python itself, not a venv
  });

  it('keeps one virtualenv per settings under $SKYDAG_HOME/venvs and reuses it', async () => {
    expect(readdirSync(join(home, 'venvs')).filter((d) => d.startsWith('venv-'))).toHaveLength(2);
    expect(await tryLog(runtime, first.run, 'no_site', 1)).toContain('Creating a virtualenv with');
    expect(await tryLog(runtime, second.run, 'no_site', 1)).toContain('Using the cached virtualenv');
    expect(second.tasks.venv_op!.xcom.return_value).toEqual({ day: '2024-03-06', venv: true });
  });
});
