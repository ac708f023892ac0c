/**
 * A Livy batch in the cloud, through the runtime's hand-off path against the fake Livy server: the
 * runner submits and hands its token off (sealed in the store, a Scheduler at() one-shot), each
 * sensor-poker delivery polls once and copies the new log lines into the try's log, and the batch's
 * end answers the token. A try that ends between polls (its state timed out, it was marked failed)
 * has its batch deleted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../local/stores/fs-blob-store.js';
import { makeDag, makeTask } from '../../test/helpers/model.js';
import { startFakeLivy, type FakeLivy, type LivyScript } from '../../test/helpers/fake-livy.js';
import { AesGcmCipher, generateSecretKey } from '../api/secrets/cipher.js';
import { prepare } from '../runtime/handlers/prepare.js';
import { resumeWaitingTry, runTry } from '../runtime/handlers/runner-entry.js';
import { TaskTokenGoneError } from '../runtime/handlers/token-answers.js';
import type { ResumeWaitRequest } from '../runtime/protocol.js';
import { handlerHarness, type HandlerHarness } from '../runtime/test-support/handler-harness.js';
import { ArtifactStore } from './artifacts.js';
import { ConfigGroupStore } from './config-groups.js';
import { createAbandonedWaitCleanup, createSparkExecutor } from './executor.js';

const T0 = new Date('2024-01-02T06:00:00.000Z');
const S3 = (key: string) => `s3://skydag-artifacts/${key}`;
const COUTURE = {
  method_id: 'LoadData',
  app_name: 'FunWithSpark',
  class_path: 'org.apache.spark.examples.SparkPi',
  code_artifact: 'spark-examples_2.11-2.3.1.jar',
  method_args_dict: { task_strategy: 'parallel' },
  config_group: 'cluster',
};

interface Box {
  h: HandlerHarness;
  livy: FakeLivy;
  groups: ConfigGroupStore;
  scheduled: { request: ResumeWaitRequest; at: Date }[];
  advance(seconds: number): void;
  ti(): ReturnType<HandlerHarness['deps']['store']['getTaskInstance']>;
  taskLog(): Promise<string>;
  /** The fake Livy's requests as `METHOD path`. */
  calls(): string[];
}

describe('a Livy batch handed off between invocations (cloud)', () => {
  let dir: string;
  let box: Box | undefined;
  afterEach(async () => {
    await box?.livy.close();
    box = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function livyBox(name: string, script: LivyScript): Promise<Box> {
    dir = mkdtempSync(join(tmpdir(), 'skydag-livy-handoff-'));
    const livy = await startFakeLivy(() => script, { username: 'etl', password: 'livy-secret' });
    const blobs = new FsBlobStore(dir);
    const groups = new ConfigGroupStore(blobs, new AesGcmCipher(generateSecretKey()));
    const artifacts = new ArtifactStore(blobs);
    await artifacts.upload('code', 'spark-examples_2.11-2.3.1.jar', Buffer.from('PK'));
    await groups.put({ name: 'local', engine: { type: 'local' } });
    await groups.put({ name: 'cluster', engine: { type: 'livy', url: livy.url, auth: 'basic', username: 'etl', poll_interval_seconds: 30 }, configurations: { 'spark.scheduler.mode': 'FAIR' } }, { livyPassword: 'livy-secret' });
    const h = await handlerHarness(makeDag(name, [makeTask('spark', { operator: 'CoutureSparkOperator', operator_kind: 'couture_spark', args: COUTURE })]));
    let now = T0;
    const scheduled: Box['scheduled'] = [];
    h.deps.clock = () => now;
    const spark = createSparkExecutor({ groups, artifacts, locate: S3 });
    h.deps.executorFor = () => spark;
    h.deps.waits = { budgetMs: 10 * 60_000, schedule: async (request, at) => void scheduled.push({ request, at }) };
    h.deps.abandonWait = createAbandonedWaitCleanup({ groups });
    await prepare(h.deps, { action: 'prepare', run: h.ref, task_id: 'spark', token: 'prep' });
    await runTry(h.deps, { action: 'execute', run: h.ref, task_id: 'spark', try_number: 1, token: 'spark-token' });
    return {
      h,
      livy,
      groups,
      scheduled,
      advance: (seconds) => void (now = new Date(now.getTime() + seconds * 1000)),
      ti: () => h.deps.store.getTaskInstance(h.ref.dag_id, h.ref.run_id, 'spark'),
      taskLog: async () => (await h.deps.logs.read(h.ref.dag_id, h.ref.run_id, 'spark', 1)) ?? '',
      calls: () => livy.requests.map((r) => `${r.method} ${r.path}`),
    };
  }

  const resumeNext = async (b: Box) => {
    b.advance(60);
    return resumeWaitingTry(b.h.deps, b.scheduled.at(-1)!.request);
  };

  it('submits, hands off with the token sealed, polls once per delivery copying the log, and answers success', async () => {
    box = await livyBox('livy_handoff_success', { states: ['starting', 'running', 'success'], log: ['stdout: ', 'Pi is roughly 3.14', 'done'] });
    const { h, livy } = box;
    // The first invocation submitted the batch and did not wait for it.
    expect(box.calls()).toEqual(['POST /batches']);
    const post = livy.requests[0]!;
    expect(post.body).toEqual({
      file: S3('spark/artifacts/code/spark-examples_2.11-2.3.1.jar'),
      className: 'org.apache.spark.examples.SparkPi',
      args: ['{"method_id": "LoadData", "dag_id": "livy_handoff_success", "method_args_dict": {"task_strategy": "parallel"}}'],
      conf: { 'spark.scheduler.mode': 'FAIR', 'spark.workflow.dagId': 'livy_handoff_success', 'spark.workflow.taskId': 'spark' },
      name: 'FunWithSpark',
    });
    expect(post.headers['x-requested-by']).toBe('skydag');
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from('etl:livy-secret').toString('base64')}`);
    expect(h.tokens.answersTo('spark-token')).toEqual([]);
    expect(box.scheduled).toEqual([{ request: { action: 'resume_wait', run: h.ref, task_id: 'spark', try_number: 1, invocation: 2 }, at: new Date(T0.getTime() + 60_000) }]);
    const waiting = (await box.ti())!;
    expect(waiting).toMatchObject({ state: 'running', wait_invocation: 1, wait: { released_slots: false, progress: { livy_batch_id: 0, livy_log_offset: 0, livy_connection: { group: 'cluster', url: livy.url, username: 'etl', poll_interval_seconds: 30 } } } });
    expect((waiting.wait!.progress as { livy_connection: { sealed_password: string } }).livy_connection.sealed_password).toEqual(expect.any(String));
    expect(JSON.stringify(waiting)).not.toContain('spark-token');
    expect(JSON.stringify(waiting)).not.toContain('livy-secret');

    // Each delivery polls the state once and copies the lines written since the last one.
    expect(await resumeNext(box)).toBe('resumed');
    expect(box.calls().slice(1)).toEqual(['GET /batches/0/state', 'GET /batches/0/log?from=0&size=1000']);
    expect((await box.ti())!.wait).toMatchObject({ progress: { livy_batch_id: 0, livy_log_offset: 1 } });
    expect(await resumeNext(box)).toBe('resumed');
    expect(box.calls().slice(3)).toEqual(['GET /batches/0/state', 'GET /batches/0/log?from=1&size=1000']);
    expect(h.tokens.answersTo('spark-token')).toEqual([]);
    expect(await resumeNext(box)).toBe('resumed');
    expect(box.calls().slice(5)).toEqual(['GET /batches/0/state', 'GET /batches/0/log?from=2&size=1000']);
    expect(box.scheduled.map((s) => s.request.invocation)).toEqual([2, 3, 4]);
    expect(h.tokens.answersTo('spark-token')).toEqual([{ outcome: 'success' }]);
    expect((await box.ti())!.wait).toBeNull();
    // The batch's log is in the try's log once, in order; the password never is.
    const log = await box.taskLog();
    expect(log.split('\n').filter((line) => !line.includes('{skydag}'))).toEqual(['stdout: ', 'Pi is roughly 3.14', 'done', '']);
    expect(log).toContain('Livy batch 0 succeeded');
    expect(log).not.toContain('livy-secret');
    expect(box.calls().filter((c) => c.startsWith('DELETE'))).toEqual([]);
    // A late twin of the last delivery changes nothing.
    expect(await resumeWaitingTry(h.deps, box.scheduled.at(-1)!.request)).toBe('duplicate');
    expect(h.tokens.answers).toHaveLength(2);
  });

  it('a batch that ends dead fails the token with its last log lines in the task log', async () => {
    box = await livyBox('livy_handoff_dead', { states: ['running', 'dead'], log: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`) });
    expect(await resumeNext(box)).toBe('resumed');
    expect(await resumeNext(box)).toBe('resumed');
    expect(box.h.tokens.answersTo('spark-token')).toEqual([{ error: 'Skydag.TaskFailed' }]);
    const log = await box.taskLog();
    expect(log).toMatch(/Task failed: Skydag\.TaskFailed: Livy batch 0 ended dead; last log lines:\nline 11\n[^]*line 30/);
    expect(box.calls().filter((c) => c.startsWith('DELETE'))).toEqual([]);
  });

  it('deletes the batch when the waiting state ended meanwhile (its execution_timeout: the token is gone)', async () => {
    box = await livyBox('livy_handoff_gone', { states: ['running'], log: ['working...'] });
    const tokens = box.h.tokens;
    box.h.deps.tokens = {
      sendSuccess: (token, output) => tokens.sendSuccess(token, output),
      sendFailure: (token, error) => tokens.sendFailure(token, error),
      sendHeartbeat: async (token) => {
        throw new TaskTokenGoneError('TaskTimedOut', `task token ${token} timed out`);
      },
    };
    expect(await resumeNext(box)).toBe('gone');
    expect(box.calls()).toEqual(['POST /batches', 'DELETE /batches/0']);
    expect(box.livy.batches()[0]!.deleted).toBe(true);
    expect(await box.taskLog()).toContain('the waiting state ended (its timeout or heartbeat timeout, or the run was stopped); Livy batch 0 was deleted');
  });

  it('deletes the batch when the try was marked failed (or its run stopped) between polls, once under twin deliveries', async () => {
    box = await livyBox('livy_handoff_killed', { states: ['running'], log: ['working...'] });
    const { h } = box;
    await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'spark', { state: 'failed', end_date: T0.toISOString() }, { tryNumber: 1 });
    box.advance(60);
    const next = box.scheduled[0]!.request;
    const outcomes = await Promise.all([resumeWaitingTry(h.deps, next), resumeWaitingTry(h.deps, next)]);
    expect(outcomes).toContain('stale');
    expect(box.livy.batches()[0]!.deleted).toBe(true);
    expect(box.calls().filter((c) => c !== 'POST /batches').every((c) => c === 'DELETE /batches/0')).toBe(true);
    expect(await resumeWaitingTry(h.deps, next)).toBe('duplicate');
    expect(box.calls().filter((c) => c.startsWith('DELETE')).length).toBeLessThanOrEqual(2);
    expect((await box.ti())!).toMatchObject({ state: 'failed', wait: null });
    expect(await box.taskLog()).toContain('the try ended (failed) while it waited; Livy batch 0 was deleted');
    expect(h.tokens.answersTo('spark-token')).toEqual([]);
  });

  describe('the group edited or deleted while the batch runs', () => {
    let other: FakeLivy | undefined;
    afterEach(async () => {
      await other?.close();
      other = undefined;
    });

    const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    it('later polls still reach the server (and credentials) the batch was submitted with after the group moved to another URL', async () => {
      box = await livyBox('livy_handoff_moved', { states: ['running', 'success'], log: ['done'] });
      other = await startFakeLivy(() => ({ states: ['success'], log: [] }));
      await box.groups.put({ name: 'cluster', engine: { type: 'livy', url: other.url, auth: 'basic', username: 'someone-else', poll_interval_seconds: 30 } }, { livyPassword: 'new-password' });
      expect(await resumeNext(box)).toBe('resumed');
      expect(await resumeNext(box)).toBe('resumed');
      expect(other.requests).toEqual([]);
      expect(box.calls()).toEqual(['POST /batches', 'GET /batches/0/state', 'GET /batches/0/log?from=0&size=1000', 'GET /batches/0/state', 'GET /batches/0/log?from=1&size=1000']);
      expect(box.livy.requests.every((r) => r.headers.authorization === basicAuth('etl', 'livy-secret'))).toBe(true);
      expect(box.h.tokens.answersTo('spark-token')).toEqual([{ outcome: 'success' }]);
      // The config group recorded on the try is still the one it was submitted with.
      expect((await box.ti())!.config_group).toMatchObject({ name: 'cluster' });
    });

    it('a deleted group: polls and the DELETE of a try that ended still go to the original server', async () => {
      box = await livyBox('livy_handoff_deleted', { states: ['running', 'running', 'running'], log: ['working...'] });
      const recordedVersion = (await box.ti())!.config_group;
      await box.groups.delete('cluster');
      expect(await resumeNext(box)).toBe('resumed');
      expect(box.calls().slice(1, 2)).toEqual(['GET /batches/0/state']);
      expect((await box.ti())!.config_group).toEqual(recordedVersion);
      const { h } = box;
      await h.deps.store.updateTaskInstance(h.ref.dag_id, h.ref.run_id, 'spark', { state: 'failed', end_date: T0.toISOString() }, { tryNumber: 1 });
      expect(await resumeNext(box)).toBe('stale');
      expect(box.livy.batches()[0]!.deleted).toBe(true);
      const del = box.livy.requests.find((r) => r.method === 'DELETE')!;
      expect(del.headers.authorization).toBe(basicAuth('etl', 'livy-secret'));
      expect(await box.taskLog()).toContain('Livy batch 0 was deleted');
      expect(await box.taskLog()).not.toContain('livy-secret');
    });
  });
});
