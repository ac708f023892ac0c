/**
 * The DAG shapes the side-by-side bench runs (no-op bash tasks), as Airflow Python DAG files, and
 * the same shapes as Snakefiles (for the peers comparison).
 */

export interface Shape {
  name: string;
  tasks: number;
  /** Upstream task indexes of each task (tasks are numbered 0..tasks-1, upstreams always lower). */
  upstreams(i: number): number[];
}

export const chain = (n: number): Shape => ({ name: `chain-${n}`, tasks: n, upstreams: (i) => (i === 0 ? [] : [i - 1]) });

/** n-1 independent tasks feeding one last task. */
export const fanIn = (n: number): Shape => ({ name: `fan-in-${n}`, tasks: n, upstreams: (i) => (i === n - 1 ? Array.from({ length: n - 1 }, (_, j) => j) : []) });

export const wide = (n: number): Shape => ({ name: `${n}-wide`, tasks: n, upstreams: () => [] });

/** `layers` layers of `width` tasks; a task waits for the task above it and that one's right neighbour. */
export const layered = (layers: number, width: number): Shape => ({
  name: `layered-${layers}x${width}`,
  tasks: layers * width,
  upstreams: (i) => {
    if (i < width) return [];
    const layerStart = i - (i % width);
    const col = i % width;
    const above = layerStart - width;
    return width === 1 ? [above] : [above + col, above + ((col + 1) % width)];
  },
});

export const dagIdOf = (shape: Shape) => `bench_${shape.name.replace(/[^a-z0-9]+/gi, '_')}`;

/** The shape as an Airflow DAG file: one BashOperator `true` per task, edges as `[ups] >> t`. */
export function shapeAsPythonDag(shape: Shape): string {
  const lines = [
    'from datetime import datetime',
    'from airflow import DAG',
    'from airflow.operators.bash import BashOperator',
    '',
    `with DAG("${dagIdOf(shape)}", schedule=None, start_date=datetime(2024, 1, 1), catchup=False) as dag:`,
  ];
  for (let i = 0; i < shape.tasks; i++) lines.push(`    t${i} = BashOperator(task_id="t${i}", bash_command="true")`);
  for (let i = 0; i < shape.tasks; i++) {
    const ups = shape.upstreams(i);
    if (ups.length === 1) lines.push(`    t${ups[0]} >> t${i}`);
    else if (ups.length > 1) lines.push(`    [${ups.map((u) => `t${u}`).join(', ')}] >> t${i}`);
  }
  return lines.join('\n') + '\n';
}

/** The same shape as a Snakefile: one rule per task touching its marker file, inputs = upstream markers. */
export function shapeAsSnakefile(shape: Shape): string {
  const leaves = new Set(Array.from({ length: shape.tasks }, (_, i) => i));
  for (let i = 0; i < shape.tasks; i++) for (const u of shape.upstreams(i)) leaves.delete(u);
  const lines = [`rule all:\n    input: ${[...leaves].map((i) => `"out/t${i}"`).join(', ')}\n`];
  for (let i = 0; i < shape.tasks; i++) {
    const ups = shape.upstreams(i);
    lines.push(`rule t${i}:\n${ups.length ? `    input: ${ups.map((u) => `"out/t${u}"`).join(', ')}\n` : ''}    output: "out/t${i}"\n    shell: "true; touch {output}"\n`);
  }
  return lines.join('\n');
}
