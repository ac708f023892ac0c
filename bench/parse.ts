/**
 * Benchmark: parse + validate generated Python DAG files of growing size, in-process and through the
 * bounded loader (a warm parse worker: what the platform, the API and the CLI use).
 */
import { BoundedDagLoader } from '../shared/frontends/bounded.js';
import { loadDagFile } from '../shared/frontends/index.js';

/** A realistic generated DAG: explicit operator statements, a layered fan-out/fan-in, templates. */
export function generatePythonDag(taskCount: number): string {
  const lines = [
    'from datetime import datetime, timedelta',
    'from airflow import DAG',
    'from airflow.operators.bash import BashOperator',
    '',
    'default_args = {"owner": "bench", "retries": 1, "retry_delay": timedelta(minutes=1)}',
    `with DAG("generated_${taskCount}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args=default_args) as dag:`,
  ];
  const width = 10;
  for (let i = 0; i < taskCount; i++) {
    lines.push(`    t${i} = BashOperator(task_id="task_${i}", bash_command="echo {{ ds }} ${i}")`);
  }
  for (let i = width; i < taskCount; i++) {
    const up = i - width;
    lines.push(`    t${up} >> t${i}`);
    if (i % width === 0 && i >= 2 * width) lines.push(`    [t${i - width - 1}, t${i - width - 2}] >> t${i}`);
  }
  return lines.join('\n') + '\n';
}

export interface ParseBenchRow {
  tasks: number;
  sourceKb: number;
  parseValidateMs: number;
  /** The same file through the bounded loader: worker round trip included (best of the repeats). */
  boundedMs: number;
  heapDeltaMb: number;
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

export async function benchParse(sizes: readonly number[] = [100, 1000, 10000], repeats = 3): Promise<ParseBenchRow[]> {
  const now = new Date('2024-06-01T00:00:00Z');
  loadDagFile(generatePythonDag(50), { file: 'warmup.py', now }); // JIT warm-up
  const rows = sizes.map((tasks) => {
    const source = generatePythonDag(tasks);
    let best = Infinity;
    let heapDelta = 0;
    for (let r = 0; r < repeats; r++) {
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const { value, ms } = time(() => loadDagFile(source, { file: `generated_${tasks}.py`, now }));
      const after = process.memoryUsage().heapUsed;
      if (value.dags.length !== 1 || value.dags[0]!.tasks.length !== tasks) {
        throw new Error(`benchmark DAG did not load: ${JSON.stringify(value.diagnostics.slice(0, 3))}`);
      }
      best = Math.min(best, ms);
      heapDelta = Math.max(heapDelta, after - before);
    }
    return { tasks, sourceKb: Math.round(source.length / 102.4) / 10, parseValidateMs: Math.round(best * 10) / 10, boundedMs: 0, heapDeltaMb: Math.round(heapDelta / 1e5) / 10 };
  });
  const loader = new BoundedDagLoader({ workers: 1 });
  try {
    await loader.load(generatePythonDag(1000), { file: 'warmup.py', now }); // worker start and JIT warm-up
    for (const row of rows) {
      const source = generatePythonDag(row.tasks);
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const start = process.hrtime.bigint();
        const loaded = await loader.load(source, { file: `generated_${row.tasks}.py`, now });
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
        if (loaded.dags[0]?.tasks.length !== row.tasks) throw new Error(`benchmark DAG did not load in the worker: ${JSON.stringify(loaded.diagnostics.slice(0, 3))}`);
      }
      row.boundedMs = Math.round(best * 10) / 10;
    }
  } finally {
    await loader.close();
  }
  return rows;
}
