/**
 * A try whose executor ignores its abort signal still ends: on execution_timeout, on the platform's
 * shutdown and when its run is stopped, with the reason; an executor that finishes first keeps its
 * own outcome, and its failure is the try's.
 */
import { makeDag, makeTask } from '../../../test/helpers/model.js';
import { handlerHarness } from '../test-support/handler-harness.js';
import { RunnerAction } from '../protocol.js';
import type { RuntimeDeps } from './deps.js';
import { execute } from './execute.js';
import { prepare } from './prepare.js';

const hung = () => new Promise<never>(() => undefined);

async function queuedTry(extra: Parameters<typeof makeTask>[1] = {}) {
  const h = await handlerHarness(makeDag('abort_race', [makeTask('a', { operator: 'PythonOperator', operator_kind: 'python', ...extra })], []));
  await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'a', token: 'ta' });
  const request = { action: RunnerAction.EXECUTE, run: h.ref, task_id: 'a', try_number: 1 } as const;
  return { h, request };
}

describe('a try whose executor does not honour its signal', () => {
  it('ends at its execution_timeout with the timeout as its error', async () => {
    const { h, request } = await queuedTry({ execution_timeout_seconds: 0.2 });
    const deps: RuntimeDeps = { ...h.deps, executorFor: () => hung };
    await expect(execute(deps, request)).rejects.toThrow(/execution_timeout of 0.2 s exceeded/);
  });

  it('ends when the platform shuts down, or when its run is stopped, saying which', async () => {
    for (const [which, message] of [
      ['shutdown', /skydag is shutting down/],
      ['run', /the task was stopped: stopped by a test/],
    ] as const) {
      const { h, request } = await queuedTry();
      const shutdown = new AbortController();
      const run = new AbortController();
      const deps: RuntimeDeps = { ...h.deps, executorFor: () => hung, shutdownSignal: shutdown.signal, runSignal: () => run.signal };
      const ended = execute(deps, request);
      await new Promise((done) => setTimeout(done, 50));
      if (which === 'shutdown') shutdown.abort();
      else run.abort(new Error('stopped by a test'));
      await expect(ended).rejects.toThrow(message);
    }
  });

  it('keeps the outcome of an executor that ends first, and its failure', async () => {
    const { h, request } = await queuedTry({ execution_timeout_seconds: 30 });
    await expect(execute({ ...h.deps, executorFor: () => async () => ({ outcome: 'success' }) }, request)).resolves.toMatchObject({ outcome: 'success' });
    const second = await queuedTry({ execution_timeout_seconds: 30 });
    await expect(execute({ ...second.h.deps, executorFor: () => async () => Promise.reject(new Error('boom')) }, second.request)).rejects.toThrow(/boom/);
  });
});
