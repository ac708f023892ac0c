/**
 * Test harness for the control handlers called one by one, the way Step Functions delivers them
 * (possibly twice, late, or after a crash): a runtime's deps with a recording token port, counted
 * alert emails and callbacks, a store that can be made to fail, and no waiting between retries.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../../local/engine/local-runtime.js';
import type { DagRunRecord } from '../../model/records.js';
import type { Dag } from '../../model/schema.js';
import type { RunStore } from '../../stores/metadata.js';
import type { RuntimeDeps, TaskTokens } from '../handlers/deps.js';
import { TaskTokenGoneError } from '../handlers/token-answers.js';

export interface Answer {
  token: string;
  output: unknown;
}

/** A token port that records answers; `failNext` makes the next sends throw (transient unless an Error says otherwise). */
export class RecordingTokens implements TaskTokens {
  readonly answers: Answer[] = [];
  private readonly failures: Error[] = [];
  /** Tokens already answered: a second answer finds nothing waiting, as in Step Functions. */
  private readonly answered = new Set<string>();

  failNext(count: number, error: () => Error = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })): void {
    for (let i = 0; i < count; i++) this.failures.push(error());
  }

  /** The token service works again: pending failures are dropped. */
  healed(): void {
    this.failures.length = 0;
  }

  async sendSuccess(token: string, output: unknown): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.answered.has(token)) throw new TaskTokenGoneError('TaskTimedOut', `task token ${token} was already answered`);
    this.answered.add(token);
    this.answers.push({ token, output });
  }

  async sendFailure(token: string, error: string): Promise<void> {
    await this.sendSuccess(token, { error });
  }

  answersTo(token: string): unknown[] {
    return this.answers.filter((a) => a.token === token).map((a) => a.output);
  }
}

/** Wraps a store so that chosen writes throw (a handler dying at that point). */
export function failingStore(store: RunStore, shouldFail: (method: string, args: unknown[]) => boolean): RunStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (shouldFail(String(property), args)) return Promise.reject(new Error(`injected crash at ${String(property)}`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface HandlerHarness {
  runtime: LocalRuntime;
  deps: RuntimeDeps;
  tokens: RecordingTokens;
  mails: string[];
  callbacks: string[];
  run: DagRunRecord;
  ref: { dag_id: string; run_id: string };
}

export async function handlerHarness(dag: Dag, options: { pools?: Record<string, number> } = {}): Promise<HandlerHarness> {
  const logs = mkdtempSync(join(tmpdir(), 'skydag-handlers-'));
  const runtime = new LocalRuntime({
    dagsFolder: tmpdir(),
    logsDir: logs,
    render: async (request) => request.task.args,
    executorFor: () => async () => ({ outcome: 'success' }),
    ...(options.pools ? { pools: { slots: async (name: string) => options.pools![name] } } : {}),
  });
  runtime.register(dag);
  const tokens = new RecordingTokens();
  const mails: string[] = [];
  const callbacks: string[] = [];
  const deps: RuntimeDeps = {
    ...runtime.deps,
    tokens,
    sleep: async () => undefined,
    mail: { from: 'skydag@test', send: async (m) => void mails.push(m.subject) },
    python: {
      callback: async (request, name) => void callbacks.push(`${request.task.task_id}.${name}`),
      dagRunCallable: async () => ({ trigger: true, payload: null }),
      hook: async () => ({}),
      slaMissCallback: async (request) => void callbacks.push(`${request.dag.dag_id}.sla_miss_callback`),
    },
  };
  const run = await runtime.trigger(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
  return { runtime, deps, tokens, mails, callbacks, run, ref: { dag_id: run.dag_id, run_id: run.run_id } };
}
