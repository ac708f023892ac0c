/** What the platform checks at start about the tasks' setup (SKYDAG_TASK_USER, passthrough, folders). */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON_SHIM_DIR } from '../../shared/runtime/executors/python.js';
import { checkTaskSetup } from './task-user.js';

const asRoot = process.getuid?.() === 0;
const hasNobody = spawnSync('getent', ['passwd', 'nobody']).status === 0;
const itAsRoot = asRoot && hasNobody ? it : it.skip;
if (!asRoot || !hasNobody) console.warn('SKYDAG_TASK_USER checks skipped: they need root and a user "nobody"');

describe('task setup checks', () => {
  let root: string;
  let dags: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-taskuser-'));
    dags = join(root, 'dags');
    mkdirSync(dags);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const options = (env: NodeJS.ProcessEnv, home = join(root, 'home')) => ({ dagsFolder: dags, home, python: '/usr/bin/python3', shimDir: PYTHON_SHIM_DIR, env: { PATH: process.env.PATH, ...env } });

  it('reports refused passthrough entries and a state folder tasks could find through the DAGs folder', () => {
    expect(checkTaskSetup(options({ SKYDAG_TASK_ENV_PASSTHROUGH: 'JAVA_HOME,SKYDAG_SECRET_KEY' })).warnings).toEqual([
      "SKYDAG_TASK_ENV_PASSTHROUGH: ignoring SKYDAG_SECRET_KEY: the platform's own SKYDAG_* settings are never passed to tasks",
    ]);
    expect(checkTaskSetup(options({}, join(dags, '.skydag'))).warnings[0]).toMatch(/is inside the DAGs folder .*keep SKYDAG_HOME outside it/);
    expect(checkTaskSetup({ ...options({}, root) }).warnings[0]).toMatch(/DAGs folder .* is inside the state folder/);
    expect(checkTaskSetup(options({})).user).toBeUndefined();
  });

  it('refuses an unknown task user, or root, saying what to do', () => {
    if (!asRoot) {
      expect(() => checkTaskSetup(options({ SKYDAG_TASK_USER: 'nobody' }))).toThrow(/needs the platform to run as root/);
      return;
    }
    expect(() => checkTaskSetup(options({ SKYDAG_TASK_USER: 'no-such-user-skydag' }))).toThrow(/no such user on this machine .*create it .*or unset SKYDAG_TASK_USER/);
    expect(() => checkTaskSetup(options({ SKYDAG_TASK_USER: 'root' }))).toThrow(/is root \(uid 0\)/);
  });

  itAsRoot('refuses a task user that cannot read the DAGs folder, and accepts it once it can', () => {
    chmodSync(root, 0o700);
    expect(() => checkTaskSetup(options({ SKYDAG_TASK_USER: 'nobody' }))).toThrow(/SKYDAG_TASK_USER=nobody: tasks could not run as this user: it cannot read the DAGs folder/);
    chmodSync(root, 0o755);
    expect(checkTaskSetup(options({ SKYDAG_TASK_USER: 'nobody' })).user).toMatchObject({ name: 'nobody', uid: 65534 });
  });

  itAsRoot('refuses an interpreter the task user cannot run', () => {
    chmodSync(root, 0o755);
    expect(() => checkTaskSetup({ ...options({ SKYDAG_TASK_USER: 'nobody' }), python: join(root, 'no-python') })).toThrow(/cannot run the Python interpreter .*set SKYDAG_PYTHON/);
  });
});
