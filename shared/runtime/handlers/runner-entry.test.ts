import { RunnerEnv } from '../../compiler/resources.js';
import type { RuntimeDeps } from './deps.js';
import { executeRequestFromEnv, runTry } from './runner-entry.js';

const env = {
  [RunnerEnv.DAG_ID]: 'etl',
  [RunnerEnv.RUN_ID]: 'manual__2024-01-01T00:00:00+00:00',
  [RunnerEnv.TASK_ID]: 'load',
  [RunnerEnv.TRY_NUMBER]: '3',
  [RunnerEnv.TASK_TOKEN]: 'tok',
};

describe('executeRequestFromEnv', () => {
  it('reads the try and the token the compiled ecs:runTask state put in the container environment', () => {
    expect(executeRequestFromEnv(env)).toEqual({ action: 'execute', run: { dag_id: 'etl', run_id: 'manual__2024-01-01T00:00:00+00:00' }, task_id: 'load', try_number: 3, token: 'tok' });
  });

  it('refuses a missing value or a try number that is not a positive integer, naming it', () => {
    expect(() => executeRequestFromEnv({ ...env, [RunnerEnv.TASK_ID]: undefined })).toThrow(/SKYDAG_TASK_ID/);
    expect(() => executeRequestFromEnv({ ...env, [RunnerEnv.TRY_NUMBER]: '1.5' })).toThrow(/SKYDAG_TRY_NUMBER must be a positive integer/);
  });
});

describe('runTry with a token', () => {
  it('answers the token with the failure when the try cannot run (the Catch then routes it to fail)', async () => {
    const answers: unknown[] = [];
    const deps = {
      store: { getDagRun: async () => undefined, getDagRunAndTaskInstance: async () => ({ run: undefined, ti: undefined }) },
      tokens: { sendSuccess: async (...a: unknown[]) => void answers.push(['success', ...a]), sendFailure: async (...a: unknown[]) => void answers.push(['failure', ...a]) },
    } as unknown as RuntimeDeps;
    const request = executeRequestFromEnv(env);
    await expect(runTry(deps, request)).resolves.toBeUndefined();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toEqual(['failure', 'tok', expect.any(String), expect.stringContaining('etl')]);
  });
});
