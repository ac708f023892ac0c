/**
 * CoutureJupyterOperator. Parameter injection and path checks run everywhere; real execution needs
 * Debian's notebook stack for /usr/bin/python3 (python3-nbclient, python3-nbformat, python3-ipykernel),
 * which CI installs; without it those tests are skipped with one line saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWhen, type Requirement } from '../../../test/helpers/optional-suites.js';
import type { PyValue } from '../../model/schema.js';
import { createNotebookExecutor, defaultNotebookPython, notebookRunRequest, resolveNotebookPath } from './notebook.js';
import { createPythonExecutor } from './python.js';
import { makeDag, makeRequest, makeTask, recordingTracking } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError } from './types.js';

const NB_PYTHON = defaultNotebookPython();
const notebookStack: Requirement =
  spawnSync(NB_PYTHON, ['-c', 'import nbclient, nbformat, ipykernel'], { encoding: 'utf8' }).status === 0
    ? { met: true }
    : { met: false, missing: `${NB_PYTHON} cannot import nbclient/nbformat/ipykernel`, install: 'apt-get install python3-nbclient python3-nbformat python3-ipykernel' };
const PLAIN_PYTHON = process.env.SKYDAG_PYTHON || 'python3';

let dags: string;

interface Cell {
  cell_type: string;
  metadata: { tags?: string[] };
  source: string | string[];
  outputs?: { output_type: string; text?: string | string[]; data?: Record<string, string | string[]> }[];
  execution_count?: number | null;
}

function notebook(cells: { source: string; tags?: string[] }[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 4,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c) => ({ cell_type: 'code', execution_count: null, metadata: c.tags ? { tags: c.tags } : {}, outputs: [], source: c.source })),
  });
}

function readCells(path: string): Cell[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cells: Cell[] }).cells;
}

const text = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : s ?? '');

function jupyterRequest(args: Record<string, PyValue>) {
  const task = makeTask({ task_id: 'nb', operator: 'CoutureJupyterOperator', operator_kind: 'couture_jupyter', args });
  const req = makeRequest({ task, dag: makeDag([task], { dag_id: 'JupyterDAG' }), dagsFolder: dags });
  return { ...req, dagFilePath: join(dags, 'jupyter_dag.py'), args };
}

beforeEach(() => {
  dags = mkdtempSync(join(tmpdir(), 'skydag-nb-'));
  mkdirSync(join(dags, 'notebooks'));
  writeFileSync(
    join(dags, 'notebooks', 'report.ipynb'),
    notebook([
      { source: 'import sys' },
      { source: 'a = 1\nname = "default"', tags: ['parameters'] },
      { source: 'print("result", a * 2, name)' },
    ]),
  );
});

afterEach(() => {
  rmSync(dags, { recursive: true, force: true });
});

describe('notebook paths', () => {
  it('resolves paths relative to the DAGs folder and absolute paths inside it', () => {
    expect(resolveNotebookPath(dags, 'notebooks/report.ipynb', 'input_notebook')).toMatch(/notebooks\/report\.ipynb$/);
    expect(resolveNotebookPath(dags, join(dags, 'notebooks', 'new.ipynb'), 'output_notebook')).toMatch(/notebooks\/new\.ipynb$/);
  });

  it.each(['../outside.ipynb', 'notebooks/../../x.ipynb', '/etc/passwd', '.'])('rejects %s (path traversal)', (path) => {
    expect(() => resolveNotebookPath(dags, path, 'input_notebook')).toThrow(TaskNotRunnableError);
  });

  it('rejects a symlink that leads out of the DAGs folder', () => {
    const outside = mkdtempSync(join(tmpdir(), 'skydag-out-'));
    try {
      symlinkSync(outside, join(dags, 'escape'));
      expect(() => resolveNotebookPath(dags, 'escape/x.ipynb', 'output_notebook')).toThrow(/outside the DAGs folder/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('overwrites the input when no output is given; HTML goes next to the output by default', () => {
    const r = notebookRunRequest(jupyterRequest({ input_notebook: 'notebooks/report.ipynb', export_html: true, parameters: { a: 10 } }));
    expect(r.output_path).toBe(r.input_path);
    expect(r.output_html_dir).toBe(r.output_path.replace(/\.ipynb$/, '.html'));
    expect(r.parameters).toEqual({ a: 10 });
  });

  it('the resolved models= argument is the notebook parameter models; given twice is an error', () => {
    const churn = { name: 'churn', version: 3, uri: '/m/churn/3' };
    expect(notebookRunRequest(jupyterRequest({ input_notebook: 'notebooks/report.ipynb', parameters: { a: 1 }, models: { churn } })).parameters).toEqual({ a: 1, models: { churn } });
    expect(() => notebookRunRequest(jupyterRequest({ input_notebook: 'notebooks/report.ipynb', parameters: { models: 1 }, models: { churn } }))).toThrow(/both as an argument and as a notebook parameter/);
  });
});

describe('parameter injection', () => {
  it('inserts an injected-parameters cell after the parameters cell, replacing an earlier one', async () => {
    const exec = createNotebookExecutor({ python: PLAIN_PYTHON, injectOnly: true });
    const args = { input_notebook: 'notebooks/report.ipynb', output_notebook: 'notebooks/out.ipynb', parameters: { a: 10, name: 'x "q"', flags: [true, null], cfg: { k: 1.5 } } };
    await exec(jupyterRequest(args));
    // Running the output again as input replaces the injected cell instead of adding a second one.
    await exec(jupyterRequest({ ...args, input_notebook: 'notebooks/out.ipynb' }));
    const cells = readCells(join(dags, 'notebooks', 'out.ipynb'));
    expect(cells.map((c) => c.metadata.tags ?? [])).toEqual([[], ['parameters'], ['injected-parameters'], []]);
    expect(text(cells[2]!.source)).toBe('# Parameters\na = 10\nname = "x \\"q\\""\nflags = [True, None]\ncfg = {"k": 1.5}\n');
  });

  it('puts the cell first when no cell is tagged parameters', async () => {
    writeFileSync(join(dags, 'plain.ipynb'), notebook([{ source: 'print(1)' }]));
    await createNotebookExecutor({ python: PLAIN_PYTHON, injectOnly: true })(jupyterRequest({ input_notebook: 'plain.ipynb', parameters: { b: 2 } }));
    const cells = readCells(join(dags, 'plain.ipynb'));
    expect(cells[0]!.metadata.tags).toEqual(['injected-parameters']);
    expect(text(cells[0]!.source)).toBe('# Parameters\nb = 2\n');
  });

  it('without nbclient the task is not runnable, with the apt command in the message', async () => {
    const probe = spawnSync(PLAIN_PYTHON, ['-c', 'import nbclient'], { encoding: 'utf8' });
    if (probe.status === 0) return; // this interpreter has nbclient: nothing to check here
    await expect(createNotebookExecutor({ python: PLAIN_PYTHON })(jupyterRequest({ input_notebook: 'notebooks/report.ipynb' }))).rejects.toThrow(
      /apt-get install -y --no-install-recommends python3-nbclient python3-nbformat python3-ipykernel/,
    );
  });
});

describeWhen('notebook execution (Debian notebook stack)', notebookStack, () => {
  it('runs the notebook with the parameters and writes the output notebook', async () => {
    const req = jupyterRequest({ input_notebook: 'notebooks/report.ipynb', output_notebook: 'notebooks/out.ipynb', parameters: { a: 10, name: 'ran' } });
    const out = await createPythonExecutor({ notebookExecutor: createNotebookExecutor() })(req);
    expect(out.outcome).toBe('success');
    const cells = readCells(join(dags, 'notebooks', 'out.ipynb'));
    expect(cells.map((c) => c.outputs?.map((o) => text(o.text)).join('') ?? '')[3]).toBe('result 20 ran\n');
    expect(req.log.output()).toContain('result 20 ran');
    // The input is left as it was.
    expect(readCells(join(dags, 'notebooks', 'report.ipynb'))).toHaveLength(3);
  }, 60_000);

  it('a failing cell fails the task and still writes the output notebook', async () => {
    writeFileSync(join(dags, 'bad.ipynb'), notebook([{ source: 'x = 1' }, { source: 'raise ValueError("broken cell")' }]));
    const req = jupyterRequest({ input_notebook: 'bad.ipynb', output_notebook: 'bad_out.ipynb' });
    await expect(createNotebookExecutor()(req)).rejects.toThrow(TaskFailedError);
    const cells = readCells(join(dags, 'bad_out.ipynb'));
    expect(cells[2]!.outputs!.some((o) => o.output_type === 'error')).toBe(true);
  }, 60_000);

  const nbconvert = spawnSync(NB_PYTHON, ['-c', 'import nbconvert'], { encoding: 'utf8' }).status === 0;
  (nbconvert ? it : it.skip)('export_html writes the executed notebook as HTML next to the output, or where output_html says', async () => {
    const req = jupyterRequest({ input_notebook: 'notebooks/report.ipynb', output_notebook: 'notebooks/out.ipynb', parameters: { a: 10, name: 'html' }, export_html: true });
    await createNotebookExecutor()(req);
    const html = readFileSync(join(dags, 'notebooks', 'out.html', 'index.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('result 20 html');
    expect(req.log.output()).toContain(`HTML report written to ${join(realpathSync(dags), 'notebooks', 'out.html', 'index.html')}`);
    const elsewhere = jupyterRequest({ input_notebook: 'notebooks/report.ipynb', output_notebook: 'notebooks/out2.ipynb', parameters: { a: 1 }, export_html: true, output_html: 'reports/run1' });
    await createNotebookExecutor()(elsewhere);
    expect(readFileSync(join(dags, 'reports', 'run1', 'index.html'), 'utf8')).toContain('result 2 ');
  }, 60_000);

  it('export_html without nbconvert fails the try (not retried) saying what to install; the output notebook is still written', async () => {
    // A module named nbconvert that cannot be imported, first on the runner's path (the DAGs folder).
    writeFileSync(join(dags, 'nbconvert.py'), 'raise ImportError("simulated: no nbconvert here")\n');
    const req = jupyterRequest({ input_notebook: 'notebooks/report.ipynb', output_notebook: 'notebooks/out.ipynb', parameters: { a: 1 }, export_html: true });
    const failure = createNotebookExecutor()(req);
    await expect(failure).rejects.toThrow(/export_html needs nbconvert, which is not installed for .*python3 \(Debian: apt-get install python3-nbconvert\)/);
    await expect(failure).rejects.toMatchObject({ retryable: false });
    expect(readCells(join(dags, 'notebooks', 'out.ipynb'))).toHaveLength(4);
  }, 60_000);

  it("the kernel gets the task environment, never the platform's secrets, and runs in the notebook's folder", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { SKYDAG_ADMIN_PASSWORD: 'admin-pw', AWS_SECRET_ACCESS_KEY: 'aws-secret', SPARK_HOME: '/opt/spark', SKYDAG_TASK_ENV_PASSTHROUGH: 'SPARK_HOME' });
    try {
      writeFileSync(
        join(dags, 'notebooks', 'env.ipynb'),
        notebook([{ source: 'import os\nprint("names", sorted(n for n in os.environ if "SECRET" in n or "PASSWORD" in n or n == "SPARK_HOME"))\nprint("cwd", os.getcwd())' }]),
      );
      const req = jupyterRequest({ input_notebook: 'notebooks/env.ipynb', output_notebook: 'notebooks/env_out.ipynb' });
      const tracking = recordingTracking();
      req.trackProcess = tracking;
      await createNotebookExecutor()(req);
      expect(req.log.output()).toContain("names ['SPARK_HOME']");
      expect(req.log.output()).toContain(`cwd ${join(realpathSync(dags), 'notebooks')}`);
      expect(tracking.tracked).toHaveLength(1);
      expect(tracking.forgotten).toEqual(tracking.tracked);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  }, 60_000);
});
