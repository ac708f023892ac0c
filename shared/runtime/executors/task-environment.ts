/**
 * What a task process receives from the platform — the one policy every spawner uses (bash, the
 * Python runner and its callbacks, notebooks, spark-submit). See docs/security.md "Task isolation".
 *
 * A task runs other people's code on the machine that holds the platform's secrets, so it never
 * inherits the platform's environment (which may hold SKYDAG_ADMIN_PASSWORD, SKYDAG_SECRET_KEY, AWS
 * credentials, ...). It gets, explicitly:
 * - the basics programs expect: PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TZ, TMPDIR;
 * - what the site allows with `SKYDAG_TASK_ENV_PASSTHROUGH` (comma-separated names, or prefixes
 *   ending in `*`, e.g. `JAVA_HOME,SPARK_HOME,HADOOP_*`; `SKYDAG_*` is never passed);
 * - Airflow's `AIRFLOW_CTX_*` variables, the task's own `env` (BashOperator `env`/`append_env`), and
 *   what each operator documents (PYTHONPATH for the airflow shim, ...), added by the spawner;
 * With `SKYDAG_TASK_USER` (only when the platform runs as root) every task process runs as that OS
 * user, with its HOME/USER/LOGNAME/SHELL, so file permissions and /proc keep the platform's state,
 * environment and memory out of its reach.
 *
 * It runs in a fresh temporary working directory, removed when the process ends
 * ({@link withTaskWorkDir}, or made by the task spawner: `SpawnProcessOptions.tempCwd`), never in the
 * platform's state folder; and it inherits no file descriptor
 * beyond its stdio (and the Python runner's RPC channel): native code in the platform — the embedded
 * store's LevelDB files — opens descriptors without close-on-exec, so every task command is started
 * through {@link taskCommand}, which closes them before the command runs.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { chown, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AIRFLOW_PATH_SETTINGS } from '../../frontends/parse-env.js';
import { pythonIsoformat } from './support.js';
import type { ExecutionRequest } from './types.js';

export const TASK_ENV_PASSTHROUGH = 'SKYDAG_TASK_ENV_PASSTHROUGH';
export const TASK_USER = 'SKYDAG_TASK_USER';

/**
 * Passed to every task: where programs are, who and where the user is, language and time zone, and
 * Airflow's path settings of the platform (its DAGs folder, as `airflow.configuration.conf` answers it).
 */
const BASIC_NAMES: ReadonlySet<string> = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', ...AIRFLOW_PATH_SETTINGS]);
const BASIC_PREFIXES: readonly string[] = ['LC_'];

/** The platform's own settings and secrets: never passed, whatever the passthrough list says. */
const PLATFORM_PREFIX = 'SKYDAG_';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Passthrough {
  names: ReadonlySet<string>;
  prefixes: readonly string[];
  /** Entries ignored, with why (the platform reports them when it starts). */
  refused: readonly string[];
}

/** Parses `SKYDAG_TASK_ENV_PASSTHROUGH`: `NAME1,NAME2,PREFIX_*`. */
export function parsePassthrough(value: string | undefined): Passthrough {
  const names = new Set<string>();
  const prefixes: string[] = [];
  const refused: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const prefix = entry.endsWith('*') ? entry.slice(0, -1) : undefined;
    const name = prefix ?? entry;
    if (name === '') refused.push(`${entry}: passing the whole environment is what this setting exists to prevent; list names or prefixes`);
    else if (!VARIABLE_NAME.test(name)) refused.push(`${entry}: not a variable name${prefix !== undefined ? ' prefix' : ''}`);
    else if (name.toUpperCase().startsWith(PLATFORM_PREFIX)) refused.push(`${entry}: the platform's own SKYDAG_* settings are never passed to tasks`);
    else if (prefix !== undefined) prefixes.push(prefix);
    else names.add(name);
  }
  return { names, prefixes, refused };
}

/**
 * The platform's variables a task may see: the basics plus the site's passthrough list, read from
 * `source` (default: this process's environment); with a task user, that user's identity.
 */
export function taskBaseEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const allowed = parsePassthrough(source[TASK_ENV_PASSTHROUGH]);
  const env: Record<string, string> = {};
  // Names first, then only the passed ones' values: reading each value of process.env is a call into
  // the runtime, and this runs for every task.
  for (const name of Object.keys(source)) {
    if (name.toUpperCase().startsWith(PLATFORM_PREFIX)) continue;
    const basic = BASIC_NAMES.has(name) || BASIC_PREFIXES.some((p) => name.startsWith(p));
    if (!basic && !allowed.names.has(name) && !allowed.prefixes.some((p) => name.startsWith(p))) continue;
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  const user = taskUser(source);
  if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name, SHELL: user.shell });
  return env;
}

/** The OS user task processes run as (`SKYDAG_TASK_USER`). */
export interface TaskUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const taskUsers = new Map<string, TaskUser>();

/**
 * The task user named by `SKYDAG_TASK_USER` in `source` (a user name or uid, looked up with
 * `getent passwd`), or undefined when unset. Throws, saying what to do, when it cannot be used: an
 * unknown user, root itself, or a platform that does not run as root (only root can switch users).
 */
export function taskUser(source: NodeJS.ProcessEnv = process.env): TaskUser | undefined {
  const wanted = source[TASK_USER]?.trim();
  if (!wanted) return undefined;
  const known = taskUsers.get(wanted);
  if (known) return known;
  if (process.getuid?.() !== 0) {
    throw new Error(`${TASK_USER}=${wanted}: running tasks as another user needs the platform to run as root; start skydag as root or unset ${TASK_USER}`);
  }
  const entry = spawnSync('getent', ['passwd', wanted], { encoding: 'utf8' });
  const fields = entry.status === 0 ? entry.stdout.trim().split('\n')[0]!.split(':') : [];
  if (fields.length < 7) throw new Error(`${TASK_USER}=${wanted}: no such user on this machine (getent passwd ${wanted}); create it (e.g. useradd --system skydag-task) or unset ${TASK_USER}`);
  const user: TaskUser = { name: fields[0]!, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5]!, shell: fields[6]! };
  if (user.uid === 0) throw new Error(`${TASK_USER}=${wanted} is root (uid 0): name an unprivileged user, whose rights tasks should have`);
  taskUsers.set(wanted, user);
  return user;
}

/** `spawn` options that run a process as the task user (none without one). */
export function taskCredentials(source: NodeJS.ProcessEnv = process.env): { uid?: number; gid?: number } {
  const user = taskUser(source);
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/** Airflow's `context_to_airflow_vars(context, in_env_var_format=True)`. */
export function airflowContextEnv(request: Pick<ExecutionRequest, 'task' | 'dag' | 'run' | 'tryNumber'>): Record<string, string> {
  const env: Record<string, string> = {};
  const { task } = request;
  if (task.email.length) env.AIRFLOW_CTX_DAG_EMAIL = task.email.join(',');
  if (task.owner) env.AIRFLOW_CTX_DAG_OWNER = task.owner;
  env.AIRFLOW_CTX_DAG_ID = request.dag.dag_id;
  env.AIRFLOW_CTX_TASK_ID = task.task_id;
  env.AIRFLOW_CTX_EXECUTION_DATE = pythonIsoformat(request.run.logical_date, 'logical date');
  env.AIRFLOW_CTX_TRY_NUMBER = String(request.tryNumber);
  env.AIRFLOW_CTX_DAG_RUN_ID = request.run.run_id;
  return env;
}

/**
 * Runs `work` with a fresh temporary working directory for one task process (like Airflow's
 * `TemporaryDirectory(prefix='airflowtmp')` for BashOperator), removed afterwards whatever happens.
 */
export async function withTaskWorkDir<T>(work: (dir: string) => Promise<T>, prefix = 'airflowtmp', source: NodeJS.ProcessEnv = process.env): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    const user = taskUser(source);
    if (user) await chown(dir, user.uid, user.gid);
    return await work(dir);
  } finally {
    // Most commands leave it empty: one rmdir, else the recursive removal.
    await rmdir(dir).catch(() => rm(dir, { recursive: true, force: true })).catch(() => undefined);
  }
}

/** `shutil.which(name)`: the executable found on `envPath` (or `name` itself when it is a path and executable). */
export function findExecutable(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  const executable = (candidate: string) => {
    // As shutil.which: an existing file (not a folder) that access(X_OK) allows. A missing one is
    // answered without an exception (each thrown one builds a stack trace: most PATH folders have no
    // bash, and this runs for every BashOperator try).
    const found = statSync(candidate, { throwIfNoEntry: false });
    if (!found || found.isDirectory()) return false;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The interpreter used when none is configured: `SKYDAG_PYTHON`, else `python3`. */
export function defaultPython(): string {
  return process.env.SKYDAG_PYTHON || 'python3';
}

/** bash found on `envPath`, else /bin/bash. */
export function findBash(envPath = process.env.PATH ?? ''): string {
  // Remembered per PATH, and looked up again once it is no longer there: every BashOperator try asks,
  // and a search tried each PATH folder (~0.1 ms a try, two system calls a folder).
  const known = bashByPath.get(envPath);
  if (known !== undefined && findExecutable(known) !== undefined) return known;
  const found = findExecutable('bash', envPath) ?? '/bin/bash';
  bashByPath.set(envPath, found);
  return found;
}
const bashByPath = new Map<string, string>();

/**
 * bash that closes every file descriptor above `keep`, listed in /dev/fd (bash, not sh: dash cannot
 * name descriptors above 9). Closing one that is already gone (the listing's own) is silently fine.
 */
export function closeInheritedFdsScript(keep = 2): string {
  return `for fd in /dev/fd/*; do fd=\${fd##*/}; case $fd in ''|*[!0-9]*) continue;; esac; if [ "$fd" -gt ${keep} ]; then { eval "exec $fd>&-"; } 2>/dev/null; fi; done`;
}

/**
 * bash's options for the shell that starts a task: read no startup file. (A non-interactive bash whose
 * stdin is a socket — Node's pipes are socketpairs — takes itself for an rsh session and sources the
 * platform user's ~/.bashrc unless told not to.)
 */
export const QUIET_BASH = ['--norc', '--noprofile'] as const;

/**
 * How to spawn a task command so that it inherits no descriptor above `keep`: bash closes them, then
 * execs `command` (an absolute path) with `args`.
 */
export function taskCommand(command: string, args: readonly string[], options: { keep?: number; bashPath?: string } = {}): { file: string; args: string[] } {
  const bash = options.bashPath ?? findBash();
  return { file: bash, args: [...QUIET_BASH, '-c', `${closeInheritedFdsScript(options.keep)}; exec "$@"`, 'skydag-task', command, ...args] };
}
