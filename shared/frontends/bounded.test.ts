/**
 * The bounded loader: files are read in warm worker threads with the same result as in-process;
 * a worker stopped by its time or memory limit yields an import error naming the file and the limit
 * (never an exception), and the next file gets a fresh worker.
 */
import { generatePythonDag } from '../../bench/parse.js';
import { compileDag } from '../compiler/compile.js';
import { DiagnosticCode } from '../model/diagnostics.js';
import { BoundedDagLoader, DEFAULT_PARSE_LIMITS, parseLimitsFromEnv } from './bounded.js';
import { loadDagFile } from './index.js';

const now = new Date('2024-06-01T00:00:00Z');

const GOOD = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("good", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    a = BashOperator(task_id="a", bash_command="echo {{ ds }}")
    b = BashOperator(task_id="b", bash_command="echo b", retries=2)
    a >> b
`;

describe('BoundedDagLoader', () => {
  const loader = new BoundedDagLoader({ workers: 2 });
  afterAll(() => loader.close());

  it('reads a file in a worker with the same result as in-process', async () => {
    const inProcess = loadDagFile(GOOD, { file: 'dags/good.py', now });
    expect(inProcess.dags).toHaveLength(1);
    expect(await loader.load(GOOD, { file: 'dags/good.py', now })).toEqual(inProcess);
    const noSchedule = 'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nwith DAG("w") as dag:\n    EmptyOperator(task_id="t")\n';
    expect(await loader.load(noSchedule, { file: 'w.py', now })).toEqual(loadDagFile(noSchedule, { file: 'w.py', now }));
  });

  it("hands the worker the loader's parse environment (SKYDAG_PARSE_ENV), or the one a load names", async () => {
    const source = 'import os\nfrom airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\nwith DAG("d_" + os.environ["STAGE"], schedule=None) as dag:\n    EmptyOperator(task_id="t")\n';
    const withEnv = new BoundedDagLoader({ workers: 1 }, { env: { STAGE: 'prod' } });
    try {
      const loaded = await withEnv.load(source, { file: 'env.py', now });
      expect(loaded.dags.map((d) => [d.dag_id, d.parse_env])).toEqual([['d_prod', { STAGE: 'prod' }]]);
      expect((await withEnv.load(source, { file: 'env.py', now, env: { STAGE: 'qa' } })).dags[0]?.dag_id).toBe('d_qa');
    } finally {
      await withEnv.close();
    }
    // Unlisted: the variable is not set for DAG files, whatever this process has.
    process.env.STAGE = 'leaked';
    try {
      const plain = await loader.load(source, { file: 'env.py', now });
      expect(plain.diagnostics.map((d) => d.message)).toEqual(["KeyError: 'STAGE' (os.environ has no variable STAGE while skydag reads DAG files)"]);
    } finally {
      delete process.env.STAGE;
    }
  });

  it('compiles in the worker when asked', async () => {
    const result = await loader.load(GOOD, { file: 'good.py', now, compile: true });
    expect(result.compiled).toEqual(result.dags.map((dag) => compileDag(dag)));
  });

  it('reports the evaluator budget with the line, from the worker', async () => {
    const result = await loader.load('from airflow import DAG\n\nx = "a" * 10**9\n', { file: 'bomb.py', now });
    expect(result.dags).toEqual([]);
    expect(result.diagnostics).toEqual([expect.objectContaining({ file: 'bomb.py', line: 3, code: DiagnosticCode.PARSE_LIMIT })]);
  });

  it('answers concurrent loads each with its own file', async () => {
    const files = Array.from({ length: 5 }, (_, i) => GOOD.replace('"good"', `"good_${i}"`));
    const results = await Promise.all(files.map((source, i) => loader.load(source, { file: `g${i}.py`, now })));
    expect(results.map((r) => `${r.file}:${r.dags[0]?.dag_id}`)).toEqual(['g0.py:good_0', 'g1.py:good_1', 'g2.py:good_2', 'g3.py:good_3', 'g4.py:good_4']);
  });

  it('stops a file that takes longer than the timeout, then reads the next one', async () => {
    const strict = new BoundedDagLoader({ timeoutMs: 1000, workers: 1 });
    try {
      // 30,000 tasks: within every evaluator budget, a few seconds of work.
      const slow = await strict.load(generatePythonDag(30_000), { file: 'dags/huge.py', now });
      expect(slow.dags).toEqual([]);
      expect(slow.diagnostics).toEqual([
        expect.objectContaining({ file: 'dags/huge.py', line: 1, code: DiagnosticCode.PARSE_ABORTED, message: 'reading this file took longer than 1,000 ms and was stopped' }),
      ]);
      expect(slow.diagnostics[0]!.hint).toContain('SKYDAG_PARSE_TIMEOUT_MS');
      const next = await strict.load('from airflow import DAG\nx = 1\n', { file: 'small.py', now });
      expect(next.diagnostics.map((d) => d.code)).toEqual([DiagnosticCode.NO_DAG]);
    } finally {
      await strict.close();
    }
  });

  it('stops a file that needs more memory than the limit, then reads the next one', async () => {
    const small = new BoundedDagLoader({ memoryMb: 32, workers: 1 });
    try {
      // 80 MB of list items: within the evaluator's size budget, over the worker's heap.
      const hog = await small.load('from airflow import DAG\nx = [[i] * 100000 for i in range(100)]\n', { file: 'hog.py', now });
      expect(hog.diagnostics).toEqual([
        expect.objectContaining({ file: 'hog.py', code: DiagnosticCode.PARSE_ABORTED, message: 'reading this file needed more than 32 MB of memory and was stopped' }),
      ]);
      expect(hog.diagnostics[0]!.hint).toContain('SKYDAG_PARSE_MEMORY_MB');
      expect((await small.load(GOOD, { file: 'good.py', now })).dags).toHaveLength(1);
    } finally {
      await small.close();
    }
  });

  it('keeps a worker warm between files and stops it after the idle time', async () => {
    const pool = new BoundedDagLoader({ workers: 2 }, { idleMs: 300 });
    try {
      await pool.load(GOOD, { file: 'a.py', now });
      await pool.load(GOOD, { file: 'b.py', now });
      expect(pool.workers).toEqual({ busy: 0, idle: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      expect(pool.workers).toEqual({ busy: 0, idle: 0 });
      expect((await pool.load(GOOD, { file: 'c.py', now })).dags).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed', async () => {
    const closing = new BoundedDagLoader({ workers: 1 });
    await closing.close();
    await expect(closing.load(GOOD, { file: 'good.py', now })).rejects.toThrow('closed');
  });
});

describe('parseLimitsFromEnv', () => {
  it('uses the defaults, the environment where set, and refuses malformed values', () => {
    expect(parseLimitsFromEnv({})).toEqual(DEFAULT_PARSE_LIMITS);
    expect(DEFAULT_PARSE_LIMITS).toEqual({ timeoutMs: 30_000, memoryMb: 512, workers: 2 });
    expect(parseLimitsFromEnv({ SKYDAG_PARSE_TIMEOUT_MS: '5000', SKYDAG_PARSE_MEMORY_MB: '256', SKYDAG_PARSE_WORKERS: '' })).toEqual({ timeoutMs: 5000, memoryMb: 256, workers: 2 });
    expect(() => parseLimitsFromEnv({ SKYDAG_PARSE_MEMORY_MB: '1e3x' })).toThrow("SKYDAG_PARSE_MEMORY_MB must be a positive integer (got '1e3x')");
    expect(() => parseLimitsFromEnv({ SKYDAG_PARSE_TIMEOUT_MS: '0' })).toThrow('SKYDAG_PARSE_TIMEOUT_MS');
  });
});
