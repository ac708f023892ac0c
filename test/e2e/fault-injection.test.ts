/**
 * Fault injection: real DAG shapes run through the compiled state machines in the local engine while
 * the control handlers are crashed at random store writes (the write never happens; the state
 * machine's Retry delivers the handler again), delivered twice concurrently, and see their token
 * answers throttled. A reconciler runs alongside, as it does every minute in the cloud. Property: the
 * run ends exactly as it does without faults (run and task states, try numbers), with each side
 * effect once per try (callbacks, alert emails), every slot given back, no token left waiting, and
 * no run left running once its execution ended.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../../local/engine/local-runtime.js';
import type { LocalFunction } from '../../local/engine/local-engine.js';
import type { CallableRef, Dag, Task } from '../../shared/model/schema.js';
import { TaskFailedError, type ExecutionOutcome, type ExecutionRequest } from '../../shared/runtime/executors/types.js';
import type { RuntimeDeps } from '../../shared/runtime/handlers/deps.js';
import { reconcile } from '../../shared/runtime/handlers/reconcile.js';
import { failingStore } from '../../shared/runtime/test-support/handler-harness.js';
import { makeDag, makeTask } from '../helpers/model.js';
import { seededRandom } from '../helpers/seeded-random.js';

type Script = (request: ExecutionRequest) => ExecutionOutcome;

const callback = (name: string): CallableRef => ({ $type: 'callable', name, file: 'faults.py', line: 1 });
const withEffects = { email: ['ops@example.com'], retry_delay_seconds: 0, callbacks: { on_success_callback: callback('ok'), on_failure_callback: callback('ko'), on_retry_callback: callback('again') } };
const py = (id: string, extra: Partial<Task> = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', ...withEffects, ...extra });
const fails: Script = () => {
  throw new TaskFailedError('boom');
};

interface Shape {
  dag: Dag;
  scripts: Record<string, Script>;
  pools?: Record<string, number>;
}

/** Scripts that depend on the try (flaky tasks) read it from the request. */
const shapes: Record<string, () => Shape> = {
  trigger_rules: () => ({
    dag: makeDag(
      'faults_trigger_rules',
      [py('start'), py('bad'), py('cleanup', { trigger_rule: 'all_done' }), py('alert', { trigger_rule: 'one_failed' }), py('never'), py('end', { trigger_rule: 'none_failed' })],
      [['start', 'bad'], ['bad', 'cleanup'], ['bad', 'alert'], ['bad', 'never'], ['cleanup', 'end'], ['never', 'end']],
    ),
    scripts: { bad: fails },
  }),
  branching: () => ({
    dag: makeDag(
      'faults_branching',
      [py('pick', { operator: 'BranchPythonOperator', operator_kind: 'branch_python' }), py('old'), py('old_clean'), py('new'), py('join', { trigger_rule: 'none_failed_min_one_success' }), py('after')],
      [['pick', 'old'], ['old', 'old_clean'], ['pick', 'new'], ['old_clean', 'join'], ['new', 'join'], ['join', 'after']],
    ),
    scripts: { pick: () => ({ outcome: 'success', followed: ['new'] }) },
  }),
  retries_and_pools: () => ({
    dag: makeDag(
      'faults_retries',
      [py('flaky', { retries: 2, pool: 'p' }), py('doomed', { retries: 1, pool: 'p' }), py('wide1', { pool: 'p' }), py('wide2', { pool: 'p' }), py('after_flaky'), py('after_doomed')],
      [['flaky', 'after_flaky'], ['doomed', 'after_doomed'], ['wide1', 'after_flaky'], ['wide2', 'after_doomed']],
      { max_active_tasks: 3 },
    ),
    scripts: {
      flaky: (request) => {
        if (request.ti.try_number < 3) throw new TaskFailedError(`flaky try ${request.ti.try_number}`);
        return { outcome: 'success' };
      },
      doomed: fails,
    },
    pools: { p: 2 },
  }),
};


const WRITES = new Set(['updateTaskInstance', 'updateDagRun', 'acquireSlot', 'releaseSlot', 'setXCom']);

interface Faults {
  seed: number;
  /** Most crashes per run: enough to hit every handler, few enough that the state machine's retries (6) absorb them. */
  maxCrashes: number;
  crashRate: number;
  twinRate: number;
  throttleRate: number;
}

async function runWithFaults(shape: Shape, faults: Faults | null) {
  const effects: string[] = [];
  const runtime = new LocalRuntime({
    dagsFolder: tmpdir(),
    logsDir: mkdtempSync(join(tmpdir(), 'skydag-faults-')),
    render: async (request) => request.task.args,
    executorFor: ({ task }) => async (request) => shape.scripts[task.task_id]?.(request) ?? { outcome: 'success' },
    python: { callback: async (request, name) => void effects.push(`${request.task.task_id}#${request.ti.try_number} ${name}`), dagRunCallable: async () => ({ trigger: true, payload: null }), hook: async () => ({}), slaMissCallback: async () => undefined },
    mail: { from: 'skydag@test', send: async (m) => void effects.push(`mail ${m.subject}`) },
    ...(shape.pools ? { pools: { slots: async (name: string) => shape.pools![name] } } : {}),
  });
  runtime.register(shape.dag);
  const deps = runtime.deps as { -readonly [K in keyof RuntimeDeps]: RuntimeDeps[K] };
  deps.sleep = async () => undefined;
  let reconciling: NodeJS.Timeout | undefined;
  const injected = { crashes: 0, twins: 0, throttles: 0 };
  if (faults) {
    const rng = seededRandom(faults.seed);
    const inControl = new AsyncLocalStorage<boolean>();
    const store = runtime.store;
    deps.store = failingStore(store, (method) => {
      if (!inControl.getStore() || !WRITES.has(method) || injected.crashes >= faults.maxCrashes || rng() >= faults.crashRate) return false;
      injected.crashes++;
      return true;
    });
    const tokens = runtime.tokens;
    deps.tokens = {
      sendSuccess: async (token, output) => {
        if (inControl.getStore() && rng() < faults.throttleRate) {
          injected.throttles++;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return tokens.sendSuccess(token, output);
      },
      sendFailure: (token, error, cause) => tokens.sendFailure(token, error, cause),
    };
    // Every control delivery runs with injection on; some are delivered twice at once (the twin's result is dropped).
    const engineDeps = (runtime.engine as unknown as { deps: { control: LocalFunction } }).deps;
    const control = engineDeps.control;
    engineDeps.control = (payload) =>
      inControl.run(true, () => {
        if (payload.action !== 'prepare' && rng() < faults.twinRate) {
          injected.twins++;
          void control(payload).catch(() => undefined);
        }
        return control(payload);
      });
    // The reconciler, as in the cloud (every minute there; often here, so the test does not wait).
    reconciling = setInterval(() => void reconcile(runtime.deps, { dagIds: [shape.dag.dag_id], executions: runtime.executions }).catch(() => undefined), 100);
  }
  try {
    const outcome = await runtime.runDag(shape.dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    await new Promise((resolve) => setTimeout(resolve, 50)); // twins still in flight finish
    const holders = await runtime.store.listSlotHolders('pool:p');
    const dagHolders = await runtime.store.listSlotHolders(`dag:${shape.dag.dag_id}`);
    return {
      run: outcome.run.state,
      tasks: Object.fromEntries(outcome.taskInstances.map((t) => [t.task_id, `${t.state}#${t.try_number}`])),
      effects: effects.sort(),
      slotsHeld: holders.length + dagHolders.length,
      tokensWaiting: runtime.tokens.waiting,
      injected,
    };
  } finally {
    if (reconciling) clearInterval(reconciling);
    runtime.close();
  }
}

describe('control handlers under crashes, twin deliveries and throttled answers', () => {
  const seeds = [1, 2, 3, 4, 5];
  for (const [name, make] of Object.entries(shapes)) {
    describe(name, () => {
      let baseline: Awaited<ReturnType<typeof runWithFaults>>;
      beforeAll(async () => {
        baseline = await runWithFaults(make(), null);
      }, 60_000);

      it.each(seeds)('seed %i: same end, each side effect once, nothing left held or waiting', async (seed) => {
        const result = await runWithFaults(make(), { seed, maxCrashes: 3, crashRate: 0.2, twinRate: 0.3, throttleRate: 0.2 });
        expect(result.run).not.toBe('running');
        expect({ run: result.run, tasks: result.tasks }).toEqual({ run: baseline.run, tasks: baseline.tasks });
        expect(result.effects).toEqual(baseline.effects);
        expect(result.slotsHeld).toBe(0);
        expect(result.tokensWaiting).toBe(0);
      }, 60_000);
    });
  }

  it('the baselines are what Airflow gives', async () => {
    const trigger = await runWithFaults(shapes.trigger_rules!(), null);
    expect(trigger.run).toBe('failed');
    expect(trigger.tasks).toEqual({ start: 'success#1', bad: 'failed#1', cleanup: 'success#1', alert: 'success#1', never: 'upstream_failed#0', end: 'upstream_failed#0' });
    const retries = await runWithFaults(shapes.retries_and_pools!(), null);
    expect(retries.tasks).toMatchObject({ flaky: 'success#3', doomed: 'failed#2', after_flaky: 'success#1', after_doomed: 'upstream_failed#0' });
    expect(retries.effects.filter((e) => e.includes('on_retry_callback'))).toEqual(['doomed#1 on_retry_callback', 'flaky#1 on_retry_callback', 'flaky#2 on_retry_callback']);
  }, 60_000);
});
