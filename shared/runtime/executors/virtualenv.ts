/**
 * Virtualenvs for PythonVirtualenvOperator / `@task.virtualenv` (Airflow 2.10 `_ensure_venv_cache_exists`
 * semantics, with skydag's cache always on): a venv is made with the machine's python
 * (`python -m venv`, with `--system-site-packages` unless `system_site_packages=False`), its
 * requirements installed with pip (`pip install -r requirements.txt` plus `pip_install_options` and
 * `index_urls`), and kept under the cache folder by a hash of everything that shapes it, so the next
 * try or run reuses it. A venv is built in a temporary folder and renamed into place once complete,
 * so a failed build leaves nothing behind and concurrent builds of the same venv settle on one.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PyValue } from '../../model/schema.js';
import { taskBaseEnv } from './task-environment.js';
import { type ExecutionRequest, TaskFailedError, TaskNotRunnableError } from './types.js';

const run = promisify(execFile);

export interface VirtualenvSpec {
  /** The interpreter that makes the venv (`python3`, or `python3.11` for python_version). */
  python: string;
  requirements: string[];
  systemSitePackages: boolean;
  pipInstallOptions: string[];
  indexUrls: string[];
}

/** The venv an operator's arguments ask for (Airflow's defaults: system site packages on, no requirements). */
export function virtualenvSpec(request: ExecutionRequest, defaultPython: string): VirtualenvSpec {
  const args = request.args;
  const where = `${request.task.operator} '${request.task.task_id}'`;
  const strings = (value: PyValue | undefined, name: string): string[] => {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
    throw new TaskNotRunnableError(`${where}: ${name} must be a string or a list of strings`);
  };
  // A string of requirements is a requirements.txt (one per line), as Airflow takes it.
  const requirements = typeof args.requirements === 'string'
    ? args.requirements.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : strings(args.requirements, 'requirements');
  const version = args.python_version;
  if (version !== undefined && version !== null && typeof version !== 'string' && typeof version !== 'number') {
    throw new TaskNotRunnableError(`${where}: python_version must be a string such as "3.11"`);
  }
  return {
    python: version === undefined || version === null || String(version) === '' ? defaultPython : `python${String(version)}`,
    requirements,
    systemSitePackages: args.system_site_packages !== false,
    pipInstallOptions: strings(args.pip_install_options, 'pip_install_options'),
    indexUrls: strings(args.index_urls, 'index_urls'),
  };
}

/** The cache key: the spec, as Airflow hashes its venv parameters. */
export function virtualenvHash(spec: VirtualenvSpec): string {
  return createHash('sha256').update(JSON.stringify([spec.python, spec.requirements, spec.systemSitePackages, spec.pipInstallOptions, spec.indexUrls])).digest('hex').slice(0, 16);
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The venv's python, making the venv first when the cache does not have it. */
export async function ensureVirtualenv(spec: VirtualenvSpec, cacheDir: string, request: Pick<ExecutionRequest, 'log' | 'signal'>): Promise<string> {
  const dir = join(cacheDir, `venv-${virtualenvHash(spec)}`);
  const python = join(dir, 'bin', 'python');
  if (await exists(join(dir, '.skydag-ready'))) {
    request.log.info(`Using the cached virtualenv ${dir}`);
    return python;
  }
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const building = await mkdtemp(join(cacheDir, '.building-'));
  const env = taskBaseEnv();
  const step = async (file: string, args: string[], what: string): Promise<void> => {
    try {
      const { stdout, stderr } = await run(file, args, { env, signal: request.signal, maxBuffer: 16 * 1024 * 1024 });
      if (stdout.trim()) request.log.write(stdout.endsWith('\n') ? stdout : `${stdout}\n`);
      if (stderr.trim()) request.log.write(stderr.endsWith('\n') ? stderr : `${stderr}\n`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.stdout) request.log.write(e.stdout);
      if (e.stderr) request.log.write(e.stderr);
      if (e.code === 'ENOENT') throw new TaskNotRunnableError(`${what}: ${file} not found (install that Python, or set SKYDAG_PYTHON)`);
      throw new TaskFailedError(`${what} failed: ${e.message.split('\n')[0]}`);
    }
  };
  try {
    request.log.info(`Creating a virtualenv with ${spec.python}${spec.systemSitePackages ? ' (with system site packages)' : ''}`);
    const withPip = spec.requirements.length > 0;
    await step(spec.python, ['-m', 'venv', ...(spec.systemSitePackages ? ['--system-site-packages'] : []), ...(withPip ? [] : ['--without-pip']), building], 'Creating the virtualenv');
    if (withPip) {
      await writeFile(join(building, 'requirements.txt'), `${spec.requirements.join('\n')}\n`);
      const index = spec.indexUrls.flatMap((url, i) => [i === 0 ? '--index-url' : '--extra-index-url', url]);
      request.log.info(`Installing the requirements: ${spec.requirements.join(', ')}`);
      await step(join(building, 'bin', 'python'), ['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', ...index, ...spec.pipInstallOptions, '-r', join(building, 'requirements.txt')], 'Installing the requirements');
    }
    await writeFile(join(building, '.skydag-ready'), '');
    // The interpreter finds its venv from its own path, so bin/python works after the rename (pip is run as `python -m pip`).
    await rename(building, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') return; // another try made it first
      throw err;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return python;
}
