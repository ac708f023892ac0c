/** Livy batches against a protocol-faithful fake server: request shapes, success, dead, killed, timeout, credentials. */
import { startFakeLivy, type FakeLivy } from '../../test/helpers/fake-livy.js';
import { recordingLogger } from '../runtime/executors/test-request.js';
import { TaskFailedError, TaskTimeoutError } from '../runtime/executors/types.js';
import { LivyClient, runLivyBatch } from './livy.js';
import type { LivyBatchBody } from './render.js';

const BODY: LivyBatchBody = { file: 's3://b/spark/artifacts/code/job.jar', className: 'a.Main', args: ['{"method_id": "m"}'], conf: { 'spark.workflow.dagId': 'd' }, name: 'App' };
const noSleep = async (_ms: number, signal: AbortSignal) => {
  if (signal.aborted) throw signal.reason;
};

describe('Livy batches', () => {
  let livy: FakeLivy | undefined;
  afterEach(async () => livy?.close());

  it('submits the body with X-Requested-By, follows the state, streams the log and succeeds', async () => {
    livy = await startFakeLivy(() => ({ states: ['starting', 'running', 'running', 'success'], log: ['stdout: ', 'Pi is roughly 3.14', 'done'] }));
    const log = recordingLogger();
    await runLivyBatch({ client: new LivyClient({ url: livy.url }), body: BODY, log, signal: new AbortController().signal, pollIntervalMs: 0, sleep: noSleep });
    const post = livy.requests[0]!;
    expect(post).toMatchObject({ method: 'POST', path: '/batches', body: BODY });
    expect(post.headers['x-requested-by']).toBe('skydag');
    expect(post.headers['content-type']).toBe('application/json');
    expect(livy.requests.filter((r) => r.path === '/batches/0/state')).toHaveLength(4);
    expect(log.output()).toBe('stdout: \nPi is roughly 3.14\ndone\n');
    expect(log.infos()).toEqual(['Livy batch 0 submitted (App)', 'Livy batch 0 succeeded']);
  });

  it.each(['dead', 'killed', 'error'])('a batch that ends %s fails the try with its last log lines', async (state) => {
    livy = await startFakeLivy(() => ({ states: ['running', state], log: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`) }));
    const run = runLivyBatch({ client: new LivyClient({ url: livy.url }), body: BODY, log: recordingLogger(), signal: new AbortController().signal, pollIntervalMs: 0, sleep: noSleep });
    await expect(run).rejects.toThrow(TaskFailedError);
    await expect(run).rejects.toThrow(new RegExp(`Livy batch 0 ended ${state}; last log lines:\\nline 11\\n[^]*line 30$`));
  });

  it('a batch that never finishes is deleted when the try times out, and the try fails with its last lines', async () => {
    livy = await startFakeLivy(() => ({ states: ['running'], log: ['working...'] }));
    const controller = new AbortController();
    let polls = 0;
    const sleep = async (_ms: number, signal: AbortSignal) => {
      if (++polls === 3) controller.abort(new TaskTimeoutError('execution_timeout of 60 s exceeded'));
      if (signal.aborted) throw signal.reason;
    };
    const run = runLivyBatch({ client: new LivyClient({ url: livy.url }), body: BODY, log: recordingLogger(), signal: controller.signal, pollIntervalMs: 0, sleep });
    await expect(run).rejects.toThrow(TaskTimeoutError);
    await expect(run).rejects.toThrow(/execution_timeout of 60 s exceeded; Livy batch 0 was deleted; last log lines:\nworking\.\.\./);
    expect(livy.requests.some((r) => r.method === 'DELETE' && r.path === '/batches/0')).toBe(true);
    expect(livy.batches()[0]!.deleted).toBe(true);
  });

  it('a try stopped while the batch runs (run stopped, task marked failed) deletes the batch and fails, not times out', async () => {
    livy = await startFakeLivy(() => ({ states: ['running'], log: ['working...'] }));
    const controller = new AbortController();
    const sleep = async (_ms: number, signal: AbortSignal) => {
      controller.abort(new TaskFailedError('the task was stopped: its run was stopped'));
      if (signal.aborted) throw signal.reason;
    };
    const run = runLivyBatch({ client: new LivyClient({ url: livy.url }), body: BODY, log: recordingLogger(), signal: controller.signal, pollIntervalMs: 0, sleep });
    await expect(run).rejects.toThrow(TaskFailedError);
    await expect(run).rejects.toThrow(/^the task was stopped: its run was stopped; Livy batch 0 was deleted/);
    expect(livy.requests.filter((r) => r.method === 'DELETE').map((r) => [r.path, r.headers['x-requested-by']])).toEqual([['/batches/0', 'skydag']]);
    expect(livy.batches()[0]!.deleted).toBe(true);
  });

  it('sends basic credentials; a refused submission fails with the server\'s answer', async () => {
    livy = await startFakeLivy(() => ({ states: ['success'], log: [] }), { username: 'etl', password: 'pw' });
    await runLivyBatch({ client: new LivyClient({ url: livy.url, username: 'etl', password: 'pw' }), body: BODY, log: recordingLogger(), signal: new AbortController().signal, pollIntervalMs: 0, sleep: noSleep });
    await expect(
      runLivyBatch({ client: new LivyClient({ url: livy.url, username: 'etl', password: 'wrong' }), body: BODY, log: recordingLogger(), signal: new AbortController().signal, pollIntervalMs: 0, sleep: noSleep }),
    ).rejects.toThrow(/Livy refused the batch \(HTTP 401\)/);
  });

  it('a batch the server forgot fails the try', async () => {
    livy = await startFakeLivy(() => ({ states: ['running'], log: [] }));
    const client = new LivyClient({ url: livy.url });
    let first = true;
    const sleep = async () => {
      if (!first) return;
      first = false;
      await client.delete(0);
    };
    await expect(runLivyBatch({ client, body: BODY, log: recordingLogger(), signal: new AbortController().signal, pollIntervalMs: 0, sleep })).rejects.toThrow(/Livy batch 0 no longer exists/);
  });
});
