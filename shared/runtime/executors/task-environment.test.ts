import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { findBash, findExecutable, parsePassthrough, taskBaseEnv, taskCommand, withTaskWorkDir } from './task-environment.js';

describe('SKYDAG_TASK_ENV_PASSTHROUGH', () => {
  it('reads names and prefixes, ignoring blanks', () => {
    const parsed = parsePassthrough(' JAVA_HOME, HADOOP_* ,,SPARK_HOME ');
    expect([...parsed.names]).toEqual(['JAVA_HOME', 'SPARK_HOME']);
    expect(parsed.prefixes).toEqual(['HADOOP_']);
    expect(parsed.refused).toEqual([]);
  });

  it("refuses the platform's own settings, the whole environment and malformed entries, saying why", () => {
    const parsed = parsePassthrough('SKYDAG_ADMIN_PASSWORD,skydag_secret_key,SKYDAG_*,*,BAD-NAME,1X');
    expect(parsed.names.size).toBe(0);
    expect(parsed.prefixes).toEqual([]);
    expect(parsed.refused).toEqual([
      "SKYDAG_ADMIN_PASSWORD: the platform's own SKYDAG_* settings are never passed to tasks",
      "skydag_secret_key: the platform's own SKYDAG_* settings are never passed to tasks",
      "SKYDAG_*: the platform's own SKYDAG_* settings are never passed to tasks",
      '*: passing the whole environment is what this setting exists to prevent; list names or prefixes',
      'BAD-NAME: not a variable name',
      '1X: not a variable name',
    ]);
  });
});

describe('the task environment', () => {
  const platform = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/ops',
    USER: 'ops',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    TMPDIR: '/var/tmp',
    SKYDAG_ADMIN_PASSWORD: 'pw',
    SKYDAG_SECRET_KEY: 'key',
    SKYDAG_HOME: '/srv/skydag/state',
    AWS_ACCESS_KEY_ID: 'AKIA...',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    GITHUB_TOKEN: 'ghp_x',
    JAVA_HOME: '/opt/java',
    HADOOP_CONF_DIR: '/etc/hadoop',
    HADOOP_USER_NAME: 'etl',
  };

  it('holds only the basics by default', () => {
    expect(taskBaseEnv(platform)).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/ops', USER: 'ops', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', TMPDIR: '/var/tmp' });
  });

  it("passes Airflow's dags_folder of the platform (airflow.configuration.conf answers it), and no other AIRFLOW__ variable", () => {
    const env = taskBaseEnv({ ...platform, AIRFLOW__CORE__DAGS_FOLDER: '/home/ops/dags', AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/home/ops/.skydag/logs', AIRFLOW__CORE__FERNET_KEY: 'secret' });
    expect(env.AIRFLOW__CORE__DAGS_FOLDER).toBe('/home/ops/dags');
    expect(env).not.toHaveProperty('AIRFLOW__LOGGING__BASE_LOG_FOLDER'); // the state folder's: never told
    expect(env).not.toHaveProperty('AIRFLOW__CORE__FERNET_KEY');
  });

  it('adds what the site passes through, but never SKYDAG_* (not even the state folder)', () => {
    const env = taskBaseEnv({ ...platform, SKYDAG_TASK_ENV_PASSTHROUGH: 'JAVA_HOME,HADOOP_*,SKYDAG_HOME,AWS_SECRET_ACCESS_KEY' });
    expect(Object.keys(env).sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'HADOOP_CONF_DIR', 'HADOOP_USER_NAME', 'HOME', 'JAVA_HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR', 'TZ', 'USER']);
  });
});

describe('finding an executable on PATH', () => {
  it('takes the first folder holding an executable file of that name, as shutil.which: not a folder, not a file without x', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'skydag-which-'));
    try {
      const dirs = ['missing', 'folder', 'plain', 'exec', 'later'].map((d) => path.join(root, d));
      for (const dir of dirs.slice(1)) mkdirSync(dir);
      mkdirSync(path.join(dirs[1]!, 'tool')); // a folder named like the tool (access(X_OK) allows it)
      writeFileSync(path.join(dirs[2]!, 'tool'), '#!/bin/sh\n', { mode: 0o644 });
      writeFileSync(path.join(dirs[3]!, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      writeFileSync(path.join(dirs[4]!, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      const envPath = ['', ...dirs].join(path.delimiter);
      expect(findExecutable('tool', envPath)).toBe(path.join(dirs[3]!, 'tool'));
      chmodSync(path.join(dirs[3]!, 'tool'), 0o644);
      // root may read any file but runs only one with an x bit
      expect(findExecutable('tool', envPath)).toBe(path.join(dirs[4]!, 'tool'));
      expect(findExecutable('absent', envPath)).toBeUndefined();
      expect(findExecutable(path.join(dirs[4]!, 'tool'), '')).toBe(path.join(dirs[4]!, 'tool'));
      expect(findExecutable(dirs[1]!, '')).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("keeps the bash a PATH led to while it is there, and looks again once it is not", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'skydag-which-bash-'));
    try {
      const [first, second] = ['first', 'second'].map((d) => path.join(root, d));
      for (const dir of [first!, second!]) mkdirSync(dir);
      writeFileSync(path.join(second!, 'bash'), '#!/bin/sh\n', { mode: 0o755 });
      const envPath = [first, second].join(path.delimiter);
      expect(findBash(envPath)).toBe(path.join(second!, 'bash'));
      writeFileSync(path.join(first!, 'bash'), '#!/bin/sh\n', { mode: 0o755 });
      expect(findBash(envPath)).toBe(path.join(second!, 'bash')); // remembered
      rmSync(path.join(second!, 'bash'));
      expect(findBash(envPath)).toBe(path.join(first!, 'bash')); // gone: looked up again
      expect(findBash(first)).toBe(path.join(first!, 'bash')); // per PATH
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the per-process working directory', () => {
  it('is fresh, outside the state folder, and removed afterwards even when the work fails', async () => {
    let seen = '';
    await expect(
      withTaskWorkDir(async (dir) => {
        seen = dir;
        await writeFile(path.join(dir, 'left-behind'), 'x');
        throw new Error('task failed');
      }),
    ).rejects.toThrow('task failed');
    expect(path.dirname(seen)).toBe(tmpdir());
    expect(existsSync(seen)).toBe(false);
  });
});

describe('inherited file descriptors', () => {
  /** The descriptors the started command has open, given descriptors 3-6 open in its parent (as leaked ones are). */
  function openInCommand(keep?: number): string[] {
    const launch = taskCommand(findExecutable('bash')!, ['-c', 'for fd in /proc/$$/fd/*; do echo ${fd##*/}; done'], keep === undefined ? {} : { keep });
    const result = spawnSync(launch.file, launch.args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'], encoding: 'utf8' });
    expect(result.stderr).toBe('');
    // The glob's own directory descriptor shows up in the listing; it is the highest one.
    return result.stdout.trim().split('\n').slice(0, -1);
  }

  it('are closed before the command runs, except stdio', () => {
    expect(openInCommand()).toEqual(['0', '1', '2']);
  });

  it('except the ones asked to be kept (the Python runner\'s RPC channel is fd 3)', () => {
    expect(openInCommand(3)).toEqual(['0', '1', '2', '3']);
  });
});

describe('the shell that starts a task', () => {
  it("reads no startup file, although its stdin is a socket (bash would take that for rsh and source ~/.bashrc)", () => {
    const home = mkdtempSync(path.join(tmpdir(), 'skydag-rc-'));
    try {
      writeFileSync(path.join(home, '.bashrc'), `echo sourced > ${path.join(home, 'marker')}\n`);
      const launch = taskCommand(findExecutable('true')!, []);
      const result = spawnSync(launch.file, launch.args, { env: { PATH: process.env.PATH, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
      expect(result.status).toBe(0);
      expect(existsSync(path.join(home, 'marker'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
