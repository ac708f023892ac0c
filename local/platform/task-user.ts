/**
 * Checks made when the platform starts about what tasks will get (task-environment.ts): a task user
 * (`SKYDAG_TASK_USER`) must be able to run bash and the Python interpreter and to read the DAGs folder
 * and the airflow shim — otherwise the platform refuses to start, saying what to change, instead of
 * failing every task later; passthrough entries that are refused, and a state folder that tasks can
 * find through the DAGs folder, are reported.
 */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { relative, sep } from 'node:path';
import { TASK_ENV_PASSTHROUGH, findBash, findExecutable, parsePassthrough, taskBaseEnv, taskUser, type TaskUser } from '../../shared/runtime/executors/task-environment.js';

export interface TaskSetupOptions {
  dagsFolder: string;
  home: string;
  /** The Python runner's interpreter. */
  python: string;
  /** The airflow shim the runner imports. */
  shimDir: string;
  env?: NodeJS.ProcessEnv;
}

/** Throws when a task user is configured that cannot run tasks; returns it (or undefined) and warnings. */
export function checkTaskSetup(options: TaskSetupOptions): { user: TaskUser | undefined; warnings: string[] } {
  const source = options.env ?? process.env;
  const warnings = parsePassthrough(source[TASK_ENV_PASSTHROUGH]).refused.map((why) => `${TASK_ENV_PASSTHROUGH}: ignoring ${why}`);
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
  };
  if (inside(options.home, options.dagsFolder)) {
    warnings.push(`the state folder ${options.home} is inside the DAGs folder ${options.dagsFolder}, which tasks read: keep SKYDAG_HOME outside it`);
  } else if (inside(options.dagsFolder, options.home)) {
    warnings.push(`the DAGs folder ${options.dagsFolder} is inside the state folder ${options.home}: tasks are told where the DAGs folder is, so they learn where the state is; keep them apart`);
  }
  const user = taskUser(source);
  if (!user) return { user, warnings };

  const env = taskBaseEnv(source);
  const bash = findBash(env.PATH);
  const asUser = (args: string[]) => spawnSync(bash, args, { uid: user.uid, gid: user.gid, env, cwd: tmpdir(), stdio: 'ignore' }).status === 0;
  const problems: string[] = [];
  if (!asUser(['-c', 'true'])) problems.push(`it cannot run ${bash}`);
  for (const [what, folder] of [['the DAGs folder', options.dagsFolder], ['the airflow shim', options.shimDir]] as const) {
    if (!asUser(['-c', 'test -r "$1" && test -x "$1"', 'check', folder])) problems.push(`it cannot read ${what} ${folder} (the folder and its parents need to be readable by it, e.g. chmod o+rx)`);
  }
  const python = findExecutable(options.python, env.PATH);
  if (!python || !asUser(['-c', '"$1" -c "import sys"', 'check', python])) {
    problems.push(`it cannot run the Python interpreter ${options.python}; set SKYDAG_PYTHON to one it can run (e.g. /usr/bin/python3)`);
  }
  if (problems.length > 0) throw new Error(`SKYDAG_TASK_USER=${user.name}: tasks could not run as this user: ${problems.join('; ')}`);
  return { user, warnings };
}
