/** Benchmark: per-task overhead of the local engine (compiled ASL + handlers + store) on no-op DAGs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRuntime } from '../local/engine/local-runtime.js';
import { MemoryMetadataStore } from '../local/stores/memory-metadata.js';
import { createTemplateRenderer } from '../shared/runtime/handlers/render-fields.js';
import type { RenderTemplatedFields } from '../shared/runtime/handlers/deps.js';
import type { Dag, Task } from '../shared/model/schema.js';
import { makeDag, makeTask } from '../test/helpers/model.js';

const noop = (taskId: string): Task => makeTask(taskId, { owner: 'bench', email_on_failure: false, email_on_retry: false, source: { file: 'bench.py', line: 1, col: 1 } });

/** A no-op task with the few small templated fields a typical task has, rendered for real. */
const templated = (taskId: string): Task => ({
  ...noop(taskId),
  operator: 'BashOperator',
  operator_kind: 'bash',
  args: { bash_command: 'echo "{{ ds }} {{ run_id }}" > /tmp/{{ ti.task_id }}_{{ ts_nodash }}.out', env: { DAY: '{{ macros.ds_add(ds, -1) }}', TRY: '{{ ti.try_number }}' } },
  templated_fields: ['bash_command', 'env'],
});

function benchDag(dagId: string, tasks: Task[], edges: [string, string][], maxActiveTasks: number): Dag {
  return makeDag(dagId, tasks, edges, { owner: 'bench', catchup: false, max_active_tasks: maxActiveTasks, source: { file: 'bench.py', line: 1, col: 1 } });
}

export interface EngineBenchRow {
  shape: string;
  tasks: number;
  totalMs: number;
  msPerTask: number;
  /** Time spent rendering templated fields, per task ('-' when rendering is stubbed out). */
  renderMsPerTask: number | '-';
  state: string;
}

async function timeRun(shape: string, dag: Dag, renderFields = false): Promise<EngineBenchRow> {
  const home = mkdtempSync(join(tmpdir(), 'skydag-bench-'));
  try {
    const store = new MemoryMetadataStore();
    let renderNs = 0n;
    const renderer = createTemplateRenderer(store);
    const render: RenderTemplatedFields = renderFields
      ? async (request) => {
          const t0 = process.hrtime.bigint();
          try {
            return await renderer(request);
          } finally {
            renderNs += process.hrtime.bigint() - t0;
          }
        }
      : async (request) => request.task.args;
    const runtime = new LocalRuntime({
      dagsFolder: home,
      logsDir: join(home, 'logs'),
      store,
      render,
      executorFor: () => async () => ({ outcome: 'success' }),
    });
    runtime.register(dag);
    const start = process.hrtime.bigint();
    const outcome = await runtime.runDag(dag.dag_id, { logicalDate: new Date('2024-01-02T00:00:00Z') });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { shape, tasks: dag.tasks.length, totalMs: Math.round(ms), msPerTask: Math.round((ms / dag.tasks.length) * 100) / 100, renderMsPerTask: renderFields ? Math.round(Number(renderNs) / 1e4 / dag.tasks.length) / 100 : '-', state: outcome.run.state };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export async function benchEngine(): Promise<EngineBenchRow[]> {
  const chain = Array.from({ length: 100 }, (_, i) => noop(`t${i}`));
  const chainEdges = chain.slice(1).map((t, i): [string, string] => [`t${i}`, t.task_id]);
  const wide = Array.from({ length: 1000 }, (_, i) => noop(`w${i}`));
  await timeRun('warm-up', benchDag('warmup', Array.from({ length: 10 }, (_, i) => noop(`x${i}`)), [], 16));
  const templatedChain = Array.from({ length: 100 }, (_, i) => templated(`t${i}`));
  return [
    await timeRun('chain of 100', benchDag('chain_100', chain, chainEdges, 16)),
    await timeRun('chain of 100, templated fields rendered', benchDag('chain_100_templated', templatedChain, chainEdges, 16), true),
    await timeRun('1,000 wide (max_active_tasks 16)', benchDag('wide_1000', wide, [], 16)),
    await timeRun('1,000 wide (unlimited)', benchDag('wide_1000_unlimited', wide.map((t) => ({ ...t, upstream_task_ids: [], downstream_task_ids: [] })), [], 1000)),
  ];
}
