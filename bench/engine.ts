/** Benchmark: per-task overhead of the local engine (compiled ASL + handlers + store) on no-op DAGs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../local/engine/local-runtime.js';
import { DAG_MODEL_SCHEMA_VERSION, type Dag, type Task } from '../shared/model/schema.js';

function noop(taskId: string): Task {
  return {
    task_id: taskId, operator: 'EmptyOperator', operator_kind: 'empty', args: {}, upstream_task_ids: [], downstream_task_ids: [],
    trigger_rule: 'all_success', retries: 0, retry_delay_seconds: 300, retry_exponential_backoff: false, max_retry_delay_seconds: null,
    execution_timeout_seconds: null, depends_on_past: false, wait_for_downstream: false, pool: 'default_pool', pool_slots: 1,
    priority_weight: 1, weight_rule: 'downstream', sla_seconds: null, queue: null, max_active_tis_per_dag: null, do_xcom_push: true,
    owner: 'bench', email: [], email_on_failure: false, email_on_retry: false, params: {}, templated_fields: [], template_ext: [],
    task_group_id: null, description: null, doc_md: null, sensor: null, callbacks: {}, source: { file: 'bench.py', line: 1, col: 1 },
  };
}

export function benchDag(dagId: string, tasks: Task[], edges: [string, string][], maxActiveTasks: number): Dag {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  for (const [up, down] of edges) {
    byId.get(up)!.downstream_task_ids.push(down);
    byId.get(down)!.upstream_task_ids.push(up);
  }
  return {
    schema_version: DAG_MODEL_SCHEMA_VERSION, dag_id: dagId, description: null, doc_md: null, schedule: { type: 'none' },
    start_date: '2024-01-01T00:00:00.000Z', end_date: null, timezone: 'UTC', catchup: false, max_active_runs: 16,
    max_active_tasks: maxActiveTasks, dagrun_timeout_seconds: null, params: {}, tags: [], owner: 'bench', default_args: {},
    callbacks: {}, template_searchpath: [], render_template_as_native_obj: false, is_paused_upon_creation: null, tasks,
    task_groups: [], source: { file: 'bench.py', line: 1, col: 1 },
  };
}

export interface EngineBenchRow {
  shape: string;
  tasks: number;
  totalMs: number;
  msPerTask: number;
  state: string;
}

async function timeRun(shape: string, dag: Dag): Promise<EngineBenchRow> {
  const home = mkdtempSync(join(tmpdir(), 'skydag-bench-'));
  try {
    const runtime = new LocalRuntime({
      dagsFolder: home,
      logsDir: join(home, 'logs'),
      render: async (request) => request.task.args,
      executorFor: () => async () => ({ outcome: 'success' }),
    });
    runtime.register(dag);
    const start = process.hrtime.bigint();
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { shape, tasks: dag.tasks.length, totalMs: Math.round(ms), msPerTask: Math.round((ms / dag.tasks.length) * 100) / 100, state: outcome.run.state };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function benchEngine(): Promise<EngineBenchRow[]> {
  const chain = Array.from({ length: 100 }, (_, i) => noop(`t${i}`));
  const chainEdges = chain.slice(1).map((t, i): [string, string] => [`t${i}`, t.task_id]);
  const wide = Array.from({ length: 1000 }, (_, i) => noop(`w${i}`));
  await timeRun('warm-up', benchDag('warmup', Array.from({ length: 10 }, (_, i) => noop(`x${i}`)), [], 16));
  return [
    await timeRun('chain of 100', benchDag('chain_100', chain, chainEdges, 16)),
    await timeRun('1,000 wide (max_active_tasks 16)', benchDag('wide_1000', wide, [], 16)),
    await timeRun('1,000 wide (unlimited)', benchDag('wide_1000_unlimited', wide.map((t) => ({ ...t, upstream_task_ids: [], downstream_task_ids: [] })), [], 1000)),
  ];
}
