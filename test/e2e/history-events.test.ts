/**
 * The 25,000-events budget: the engine counts each execution's Step Functions history events
 * (local/engine/history-events.ts) and fails an execution that passes the limit, as Step Functions
 * does; the compiler's estimate (shared/compiler/estimate.ts) bounds the count, including for a DAG
 * whose worst case is near the compiler's budget, run with every retry used.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEngine, type ExecutionResult } from '../../local/engine/local-engine.js';
import { LocalRuntime } from '../../local/engine/local-runtime.js';
import { LocalTaskTokens } from '../../local/engine/task-tokens.js';
import { MAX_HISTORY_EVENTS } from '../../local/engine/history-events.js';
import { compileDag, STEP_FUNCTIONS_MAX_EVENTS } from '../../shared/compiler/compile.js';
import type { StateMachineDefinition } from '../../shared/compiler/asl.js';
import type { Dag } from '../../shared/model/schema.js';
import { TaskFailedError } from '../../shared/runtime/executors/types.js';
import { makeDag, makeTask } from '../helpers/model.js';

const py = (id: string, extra: Parameters<typeof makeTask>[1] = {}) => makeTask(id, { operator: 'PythonOperator', operator_kind: 'python', retry_delay_seconds: 0, ...extra });

/** Runs a DAG whose tasks fail until their last try: every retry is used. */
async function runRecorded(dag: Dag, returns: (taskId: string) => unknown = () => undefined): Promise<{ state: string; executions: ExecutionResult[]; succeededIndexes: Record<string, number> }> {
  const runtime = new LocalRuntime({
    dagsFolder: tmpdir(),
    logsDir: mkdtempSync(join(tmpdir(), 'skydag-history-')),
    render: async (request) => request.task.args,
    executorFor: ({ task }) => async (request) => {
      if (request.ti.try_number <= task.retries) throw new TaskFailedError(`try ${request.ti.try_number} fails`);
      return { outcome: 'success', returnValue: returns(task.task_id) };
    },
  });
  const executions: ExecutionResult[] = [];
  runtime.engine.onExecutionRecorded((result) => executions.push(result));
  runtime.register(dag);
  try {
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    const succeededIndexes: Record<string, number> = {};
    for (const task of dag.tasks.filter((t) => t.expand)) {
      const indexes = await runtime.store.listMappedTaskInstances(dag.dag_id, outcome.run.run_id, task.task_id);
      succeededIndexes[task.task_id] = indexes.filter((i) => i.state === 'success').length;
    }
    return { state: outcome.run.state, executions, succeededIndexes };
  } finally {
    runtime.close();
  }
}

describe('history events', () => {
  it('a fan-out without retries records exactly what the compiler estimates', async () => {
    const dag = makeDag('history_fan_out', [py('a'), py('b'), py('c'), py('d', { trigger_rule: 'all_done' })], [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]);
    const { report } = compileDag(dag);
    const { state, executions } = await runRecorded(dag);
    expect(state).toBe('success');
    expect(executions.map((e) => e.historyEvents)).toEqual([report.estimated_events_per_run]);
  }, 60_000);

  it('a DAG whose worst case is near the budget, run with every retry used, stays within the estimate and 25,000', async () => {
    // 40 independent tasks of 21 tries each: one machine (worst case under the compiler's 20,000 budget).
    const dag = makeDag('history_near_budget', Array.from({ length: 40 }, (_, i) => py(`t${i}`, { retries: 20 })), []);
    const { report, machines } = compileDag(dag);
    expect(machines).toHaveLength(1);
    expect(report.worst_case_events_per_run).toBeGreaterThan(18_000);
    expect(report.worst_case_events_per_run).toBeLessThanOrEqual(20_000);
    const { state, executions } = await runRecorded(dag);
    expect(state).toBe('success');
    expect(executions).toHaveLength(1);
    const events = executions[0]!.historyEvents!;
    expect(events).toBeLessThanOrEqual(report.worst_case_events_per_run);
    // Every retry was used, so the count is near the worst case (the estimate is not loose by much either).
    expect(events).toBeGreaterThan(report.worst_case_events_per_run * 0.95);
    expect(events).toBeLessThan(STEP_FUNCTIONS_MAX_EVENTS);
  }, 180_000);

  it('runs a task mapped over an XCom inline while its share of the history holds the indexes, as child executions beyond', async () => {
    const each = (id: string) => py(id, { expand: { kind: 'kwargs', value: { x: { $type: 'xcom_arg', task_id: 'make', key: 'return_value' } }, target: 'op_kwargs' } });
    const dag = makeDag('history_xcom_map', [py('make'), each('wide'), py('small'), makeTask('few', { operator: 'PythonOperator', operator_kind: 'python', expand: { kind: 'kwargs', value: { x: { $type: 'xcom_arg', task_id: 'small', key: 'return_value' } }, target: 'op_kwargs' } })], [['make', 'wide'], ['small', 'few']]);
    const { report } = compileDag(dag);
    // 2,000 indexes inline would be ~30,000 events: past Step Functions' limit for one execution.
    const count = 2000;
    const { state, executions, succeededIndexes } = await runRecorded(dag, (id) => (id === 'make' ? Array.from({ length: count }, (_, i) => i) : id === 'small' ? [1, 2, 3] : null));
    expect(state).toBe('success');
    expect(succeededIndexes).toEqual({ wide: count, few: 3 });
    // The run's own history holds the 3 inline indexes of 'few' and only the map run of 'wide'.
    expect(executions).toHaveLength(1);
    expect(executions[0]!.historyEvents!).toBeLessThanOrEqual(report.worst_case_events_per_run);
    expect(executions[0]!.historyEvents!).toBeLessThan(500);
  }, 180_000);

  it('fails an execution whose history passes 25,000 events, as Step Functions does', async () => {
    const engine = new LocalEngine({ control: async () => ({}), runner: async () => ({}), tokens: new LocalTaskTokens() });
    // A loop of flow states only: each turn records 4 events (Pass and Choice, entered and exited).
    engine.register({
      dag_id: 'loop',
      machines: [{ name: 'loop', role: 'main', task_ids: [], definition: { StartAt: 'Turn', States: { Turn: { Type: 'Pass', Next: 'Again' }, Again: { Type: 'Choice', Choices: [{ Variable: '$.stop', BooleanEquals: true, Next: 'Done' }], Default: 'Turn' }, Done: { Type: 'Succeed' } } } }],
      report: {} as never,
      eventbridge_schedule: null,
      compute: {},
    });
    const result = await engine.start('loop', { stop: false });
    expect(MAX_HISTORY_EVENTS).toBe(STEP_FUNCTIONS_MAX_EVENTS);
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: "the execution's history reached the limit of 25000 events" });
    expect(result.historyEvents).toBeGreaterThan(MAX_HISTORY_EVENTS);
  }, 120_000);

  it("leaves a Distributed Map's indexes out of the parent's history: they are child executions", async () => {
    const engine = new LocalEngine({ control: async () => ({}), runner: async () => ({}), tokens: new LocalTaskTokens() });
    const mapOver = (mode: 'INLINE' | 'DISTRIBUTED'): StateMachineDefinition => ({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { ProcessorConfig: mode === 'DISTRIBUTED' ? { Mode: mode, ExecutionType: 'STANDARD' } : { Mode: mode }, StartAt: 'Step', States: { Step: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    });
    for (const mode of ['INLINE', 'DISTRIBUTED'] as const) {
      engine.register({ dag_id: `map_${mode}`, machines: [{ name: `map_${mode}`, role: 'main', task_ids: [], definition: mapOver(mode) }], report: {} as never, eventbridge_schedule: null, compute: {} });
    }
    // 7,000 indexes: 4 events each inline (iteration started/succeeded, Pass entered/exited) pass 25,000.
    const items = Array.from({ length: 7_000 }, (_, i) => i);
    const inline = await engine.start('map_INLINE', { items });
    expect(inline).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const distributed = await engine.start('map_DISTRIBUTED', { items });
    expect(distributed.status).toBe('SUCCEEDED');
    // Execution started/succeeded + the Map's entered/exited and its map run's started/ended.
    expect(distributed.historyEvents).toBe(2 + 5);
  }, 120_000);
});
