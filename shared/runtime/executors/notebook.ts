/**
 * CoutureJupyterOperator: executes a notebook with papermill-style parameters (an
 * `injected-parameters` cell after the cell tagged `parameters`, or first) and writes the output
 * notebook (the input is overwritten when no output is given), optionally an HTML report.
 *
 * It runs Debian's notebook stack through `/usr/bin/python3` (the pyenv `python3` on PATH does not
 * see Debian's packages): `apt-get install python3-nbclient python3-nbformat python3-ipykernel`
 * (plus `jupyter-nbconvert` for HTML). Notebook paths are relative to the DAGs folder, or absolute
 * inside it; anything resolving outside it is rejected.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { PyValue } from '../../model/schema.js';
import { abortErrorFor, PYTHON_SHIM_DIR, runnerError, runnerEnv, type RunnerResult } from './python.js';
import { runPythonProcess } from './python-process.js';
import { taskCredentials, withTaskWorkDir } from './task-environment.js';
import { TaskNotRunnableError, type ExecutionOutcome, type ExecutionRequest, type TaskExecutor } from './types.js';

export const NOTEBOOK_APT_PACKAGES = 'python3-nbclient python3-nbformat python3-ipykernel';

export interface NotebookExecutorOptions {
  /** Interpreter with nbclient/nbformat/ipykernel (default `SKYDAG_NOTEBOOK_PYTHON` or `/usr/bin/python3`). */
  python?: string;
  shimDir?: string;
  killGraceMs?: number;
  /** Per-cell timeout in seconds (default: none). */
  cellTimeoutSeconds?: number | null;
  /**
   * Only inject the parameters and write the output notebook, without running it (for checks
   * that must not need the notebook stack).
   */
  injectOnly?: boolean;
}

/** What the notebook runner is asked to do. */
export interface NotebookRunRequest {
  input_path: string;
  output_path: string;
  parameters: Record<string, unknown>;
  kernel_name: string | null;
  cwd: string;
  export_html: boolean;
  output_html_dir: string | null;
  timeout: number | null;
  execute: boolean;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The real path of the nearest existing ancestor plus the rest (symlinks cannot lead out). */
function realish(path: string): string {
  let head = path;
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      tail.push(basename(head));
      head = parent;
    }
  }
}

/**
 * A notebook path (relative to the DAGs folder, or absolute inside it) as an absolute path;
 * TaskNotRunnableError when it escapes the folder.
 */
export function resolveNotebookPath(dagsFolder: string, path: string, what: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new TaskNotRunnableError(`${what} must be a non-empty path`);
  if (path.includes('\0')) throw new TaskNotRunnableError(`${what} contains a NUL character`);
  const root = realpathOrSelf(resolve(dagsFolder));
  const candidate = isAbsolute(path) ? resolve(path) : resolve(root, path);
  const real = realish(candidate);
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new TaskNotRunnableError(`${what} ${JSON.stringify(path)} is outside the DAGs folder; notebooks must live inside it`);
  }
  return real;
}

function plainParameters(value: PyValue | undefined): Record<string, unknown> {
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new TaskNotRunnableError('parameters must be a dict');
  const convert = (v: PyValue): unknown => {
    if (Array.isArray(v)) return v.map(convert);
    if (v !== null && typeof v === 'object') {
      const tagged = v as { $type?: string; value?: string; seconds?: number; name?: string };
      if (tagged.$type === 'datetime') return tagged.value;
      if (tagged.$type === 'timedelta') return tagged.seconds;
      if (tagged.$type === 'callable') throw new TaskNotRunnableError(`a function (${tagged.name}) cannot be a notebook parameter`);
      if (tagged.$type === 'xcom_arg') throw new TaskNotRunnableError('XComArg notebook parameters are not supported; pull the value in the notebook');
      return Object.fromEntries(Object.entries(v as Record<string, PyValue>).map(([k, x]) => [k, convert(x)]));
    }
    return v;
  };
  return convert(value) as Record<string, unknown>;
}

/** The `models=` argument (resolved by the renderer) reaches the notebook as its parameter `models`. */
function withModels(parameters: Record<string, unknown>, models: PyValue | undefined): Record<string, unknown> {
  if (models == null) return parameters;
  if ('models' in parameters) throw new TaskNotRunnableError('models is given both as an argument and as a notebook parameter; pass it once');
  return { ...parameters, models };
}

function truthy(value: PyValue | undefined): boolean {
  if (typeof value === 'string') return !['', 'false', '0', 'none', 'no'].includes(value.trim().toLowerCase());
  return Boolean(value);
}

/** The notebook runner's request for a CoutureJupyterOperator task (paths checked). */
export function notebookRunRequest(request: Pick<ExecutionRequest, 'args' | 'dagsFolder'>, options: NotebookExecutorOptions = {}): NotebookRunRequest {
  const { args, dagsFolder } = request;
  if (typeof args.input_notebook !== 'string') throw new TaskNotRunnableError('input_notebook is required (a path relative to the DAGs folder)');
  const input = resolveNotebookPath(dagsFolder, args.input_notebook, 'input_notebook');
  const output = typeof args.output_notebook === 'string' && args.output_notebook.trim() !== ''
    ? resolveNotebookPath(dagsFolder, args.output_notebook, 'output_notebook')
    : input;
  const exportHtml = truthy(args.export_html);
  let htmlDir: string | null = null;
  if (exportHtml) {
    htmlDir = typeof args.output_html === 'string' && args.output_html.trim() !== ''
      ? resolveNotebookPath(dagsFolder, args.output_html, 'output_html')
      : `${output.replace(/\.ipynb$/, '')}.html`;
  }
  return {
    input_path: input,
    output_path: output,
    parameters: withModels(plainParameters(args.parameters), args.models),
    kernel_name: typeof args.kernel === 'string' && args.kernel !== '' ? args.kernel : null,
    cwd: dirname(input),
    export_html: exportHtml,
    output_html_dir: htmlDir,
    timeout: options.cellTimeoutSeconds ?? null,
    execute: !options.injectOnly,
  };
}

export function defaultNotebookPython(): string {
  return process.env.SKYDAG_NOTEBOOK_PYTHON || '/usr/bin/python3';
}

/** Executes a CoutureJupyterOperator task. */
export function createNotebookExecutor(options: NotebookExecutorOptions = {}): TaskExecutor {
  return async (request): Promise<ExecutionOutcome> => {
    const python = options.python ?? defaultNotebookPython();
    const nbRequest = notebookRunRequest(request, options);
    request.log.info(`Running notebook ${relative(request.dagsFolder, nbRequest.input_path)} → ${relative(request.dagsFolder, nbRequest.output_path)} with ${python}`);
    // The runner process starts in a fresh directory; the kernel runs in the notebook's own (nbRequest.cwd).
    const run = await withTaskWorkDir((cwd) => runPythonProcess({
      python,
      args: ['-m', 'skydag_runner.notebook'],
      cwd,
      env: runnerEnv(options.shimDir ?? PYTHON_SHIM_DIR, request.dagsFolder, undefined, process.env, request.pluginsFolder, request.projectFolder),
      input: nbRequest,
      log: request.log,
      signal: request.signal,
      handle: async (message) => {
        throw new Error(`the notebook runner does not serve ${message.op}`);
      },
      killGraceMs: options.killGraceMs,
      abortError: (reason) => abortErrorFor(reason, request.task.execution_timeout_seconds),
      notFoundMessage: `${python} not found; the notebook runner needs Debian's python3 with: apt-get install ${NOTEBOOK_APT_PACKAGES}`,
      trackProcess: request.trackProcess,
      credentials: taskCredentials(),
    }));
    if (!run.result) {
      throw runnerError({ status: 'failed', message: `the notebook runner exited with code ${run.exitCode} without reporting a result (see the task log)` })!;
    }
    const result = run.result as unknown as RunnerResult & { output_path?: string; html_path?: string };
    const error = runnerError(result);
    if (error) throw error;
    return { outcome: 'success', message: `output notebook: ${relative(request.dagsFolder, result.output_path ?? nbRequest.output_path)}` };
  };
}
