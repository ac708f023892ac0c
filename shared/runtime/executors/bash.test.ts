import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyValue } from '../../model/schema.js';
import { createBashExecutor } from './bash.js';
import { airflowContextEnv } from './task-environment.js';
import { makeRequest, makeTask } from './test-request.js';
import { TaskFailedError, TaskNotRunnableError, TaskTimeoutError } from './types.js';

const bash = createBashExecutor({ killGraceMs: 1000 });

function request(args: Record<string, PyValue>, over: Parameters<typeof makeTask>[0] = {}, signal?: AbortSignal) {
  return makeRequest({ task: makeTask({ args, ...over }), signal });
}

/** Alive = signal 0 succeeds and the process is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('BashOperator: exit codes and XCom', () => {
  it('succeeds on exit 0 and returns the last non-empty output line, right-stripped', async () => {
    const req = request({ bash_command: 'echo first; echo "hello world   "; echo; echo "   "' });
    await expect(bash(req)).resolves.toEqual({ outcome: 'success', returnValue: 'hello world' });
    expect(req.log.output()).toBe('first\nhello world   \n\n   \n');
  });

  it('returns an empty string when the command prints nothing (Airflow pushes "")', async () => {
    await expect(bash(request({ bash_command: 'true' }))).resolves.toEqual({ outcome: 'success', returnValue: '' });
  });

  it('pushes nothing when do_xcom_push is false', async () => {
    await expect(bash(request({ bash_command: 'echo value' }, { do_xcom_push: false }))).resolves.toEqual({ outcome: 'success' });
  });

  it("matches the book's TST-03 example: echo 'hello!' returns hello!", async () => {
    await expect(bash(request({ bash_command: "echo 'hello!'" }))).resolves.toEqual({ outcome: 'success', returnValue: 'hello!' });
  });

  it('fails with Airflow’s message on a non-zero exit', async () => {
    const req = request({ bash_command: 'echo doing; exit 3' });
    await expect(bash(req)).rejects.toThrow(new TaskFailedError('Bash command failed. The command returned a non-zero exit code 3.'));
    expect(req.log.infos()).toContain('Command exited with return code 3');
  });

  it('skips on exit 99 by default', async () => {
    await expect(bash(request({ bash_command: 'exit 99' }))).resolves.toEqual({
      outcome: 'skipped',
      message: 'Bash command returned exit code 99. Skipping.',
    });
  });

  it('honours skip_on_exit_code as an int, a list, and None', async () => {
    await expect(bash(request({ bash_command: 'exit 42', skip_on_exit_code: 42 }))).resolves.toMatchObject({ outcome: 'skipped' });
    await expect(bash(request({ bash_command: 'exit 7', skip_on_exit_code: [5, 7] }))).resolves.toMatchObject({ outcome: 'skipped' });
    await expect(bash(request({ bash_command: 'exit 99', skip_on_exit_code: [5, 7] }))).rejects.toThrow('non-zero exit code 99.');
    await expect(bash(request({ bash_command: 'exit 99', skip_on_exit_code: null }))).rejects.toThrow('non-zero exit code 99.');
  });

  it('accepts the legacy skip_exit_code, which overrides skip_on_exit_code', async () => {
    await expect(bash(request({ bash_command: 'exit 12', skip_exit_code: 12 }))).resolves.toMatchObject({ outcome: 'skipped' });
    await expect(bash(request({ bash_command: 'exit 99', skip_exit_code: 12 }))).rejects.toBeInstanceOf(TaskFailedError);
  });

  it('reports death by signal as Python does (negative return code)', async () => {
    await expect(bash(request({ bash_command: 'kill -KILL $$' }))).rejects.toThrow('non-zero exit code -9.');
  });

  it('uses bash, not sh (bash-only syntax works)', async () => {
    const req = request({ bash_command: 'a=(x y z); [[ ${#a[@]} == 3 ]] && echo "${BASH_VERSION%%.*}-ok"' });
    const out = await bash(req);
    expect(out.outcome).toBe('success');
    expect(out.returnValue).toMatch(/^\d+-ok$/);
  });

  it('runs the rendered command verbatim (no re-templating, no shell escaping)', async () => {
    const cmd = `printf '%s\\n' '{{ ds }}' "$((6*7))" 'a "quoted" \\ back'`;
    const req = request({ bash_command: cmd });
    await expect(bash(req)).resolves.toEqual({ outcome: 'success', returnValue: 'a "quoted" \\ back' });
    expect(req.log.output()).toBe('{{ ds }}\n42\na "quoted" \\ back\n');
  });

  it('restores the default SIGPIPE disposition, so pipelines end', async () => {
    await expect(bash(request({ bash_command: 'yes | head -n 2' }))).resolves.toEqual({ outcome: 'success', returnValue: 'y' });
  });

  it('rejects a missing bash_command as not runnable', async () => {
    await expect(bash(request({}))).rejects.toBeInstanceOf(TaskNotRunnableError);
  });
});

describe('BashOperator: output streaming', () => {
  it('merges stdout and stderr in the order written (Airflow: stderr=STDOUT)', async () => {
    const req = request({ bash_command: 'echo out1; echo err1 >&2; echo out2; echo err2 >&2' });
    await expect(bash(req)).resolves.toEqual({ outcome: 'success', returnValue: 'err2' });
    expect(req.log.output()).toBe('out1\nerr1\nout2\nerr2\n');
  });

  it('writes output to the log as it arrives, before the command ends', async () => {
    const req = request({ bash_command: 'echo early; sleep 0.6; echo late' });
    const started = Date.now();
    await bash(req);
    const finished = Date.now();
    const writes = req.log.entries.filter((e) => e.kind === 'write');
    const early = writes.find((e) => e.text.includes('early'))!;
    expect(early.text).toBe('early\n');
    expect(early.at - started).toBeLessThan(finished - started - 400);
    expect(req.log.output()).toBe('early\nlate\n');
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const req = request({ bash_command: `printf '\\xc3'; sleep 0.2; printf '\\xa9t\\xc3\\xa9\\n'` });
    await expect(bash(req)).resolves.toEqual({ outcome: 'success', returnValue: 'été' });
  });

  it('logs skydag lines without the command text or the environment', async () => {
    const req = request({ bash_command: 'echo ok', env: { SECRET_TOKEN: 's3cr3t-value' } });
    await bash(req);
    const infos = req.log.infos().join('\n');
    expect(infos).toContain("-c', <bash_command: 7 characters, see the rendered fields>]");
    expect(infos).not.toContain('echo ok');
    expect(infos).not.toContain('s3cr3t-value');
    expect(req.log.infos().slice(-2)).toEqual(['Output:', 'Command exited with return code 0']);
  });
});

describe('BashOperator: environment', () => {
  const ctxCommand = 'env | grep ^AIRFLOW_CTX_ | sort';

  it('exports the AIRFLOW_CTX_* variables like context_to_airflow_vars', async () => {
    const req = makeRequest({
      task: makeTask({ task_id: 'ctx', owner: 'data-team', email: ['a@x.io', 'b@x.io'], args: { bash_command: ctxCommand } }),
      run: { run_id: 'manual__2024-03-05T06:07:08+00:00', logical_date: '2024-03-05T06:07:08Z' },
      tryNumber: 3,
    });
    await bash(req);
    expect(req.log.output()).toBe(
      [
        'AIRFLOW_CTX_DAG_EMAIL=a@x.io,b@x.io',
        'AIRFLOW_CTX_DAG_ID=test_dag',
        'AIRFLOW_CTX_DAG_OWNER=data-team',
        'AIRFLOW_CTX_DAG_RUN_ID=manual__2024-03-05T06:07:08+00:00',
        'AIRFLOW_CTX_EXECUTION_DATE=2024-03-05T06:07:08+00:00',
        'AIRFLOW_CTX_TASK_ID=ctx',
        'AIRFLOW_CTX_TRY_NUMBER=3',
        '',
      ].join('\n'),
    );
  });

  it('omits AIRFLOW_CTX_DAG_EMAIL when the task has no email', () => {
    const env = airflowContextEnv(makeRequest());
    expect(Object.keys(env).sort()).toEqual([
      'AIRFLOW_CTX_DAG_ID',
      'AIRFLOW_CTX_DAG_OWNER',
      'AIRFLOW_CTX_DAG_RUN_ID',
      'AIRFLOW_CTX_EXECUTION_DATE',
      'AIRFLOW_CTX_TASK_ID',
      'AIRFLOW_CTX_TRY_NUMBER',
    ]);
  });

  /** A platform environment holding secrets next to the basics; tasks must see only the basics. */
  const platformEnv = {
    PATH: process.env.PATH,
    HOME: '/home/platform',
    LANG: 'C.UTF-8',
    LC_TIME: 'en_GB.UTF-8',
    TZ: 'Europe/Amsterdam',
    SKYDAG_ADMIN_PASSWORD: 'admin-pw-in-env',
    SKYDAG_SECRET_KEY: 'c2VjcmV0LWtleQ==',
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    DATABASE_URL: 'postgres://u:p@db/x',
    JAVA_HOME: '/opt/java',
  };
  const inPlatform = createBashExecutor({ killGraceMs: 1000, parentEnv: platformEnv });
  const namesCommand = 'env | cut -d= -f1 | grep -v -e ^AIRFLOW_CTX_ -e ^PWD$ -e ^SHLVL$ -e ^_$ | sort | tr "\\n" " "';

  it('gives a task without env only the basics of the platform environment, never its secrets', async () => {
    const names = await inPlatform(request({ bash_command: namesCommand }));
    expect(names.returnValue).toBe('HOME LANG LC_TIME PATH TZ');
    const values = await inPlatform(request({ bash_command: 'echo "$HOME $LANG $LC_TIME $TZ"' }));
    expect(values.returnValue).toBe('/home/platform C.UTF-8 en_GB.UTF-8 Europe/Amsterdam');
  });

  it('passes the variables the site allows with SKYDAG_TASK_ENV_PASSTHROUGH, never SKYDAG_* ones', async () => {
    const site = createBashExecutor({ parentEnv: { ...platformEnv, SKYDAG_TASK_ENV_PASSTHROUGH: 'JAVA_HOME, DATABASE_*, SKYDAG_ADMIN_PASSWORD' } });
    const names = await site(request({ bash_command: namesCommand }));
    expect(names.returnValue).toBe('DATABASE_URL HOME JAVA_HOME LANG LC_TIME PATH TZ');
  });

  it('replaces the environment with env (no platform variable is left)', async () => {
    const req = request({ bash_command: 'echo "mine=$MINE home=${HOME:-unset} path=${PATH:+set}"', env: { MINE: 'x y' } });
    // bash sets a default PATH itself when none is given; the platform's value is not inherited.
    const out = await inPlatform(req);
    expect(out.returnValue).toMatch(/^mine=x y home=unset path=/);
    const names = await inPlatform(request({ bash_command: namesCommand, env: { MINE: '1' } }));
    expect(names.returnValue).toBe('MINE');
  });

  it('adds env to the task environment with append_env (env wins), still without the platform secrets', async () => {
    const req = request({
      bash_command: 'echo "$HOME $LANG $MINE ${SKYDAG_ADMIN_PASSWORD:-no-password}"',
      env: { MINE: 'added', LANG: 'de_DE.UTF-8' },
      append_env: true,
    });
    await expect(inPlatform(req)).resolves.toEqual({ outcome: 'success', returnValue: '/home/platform de_DE.UTF-8 added no-password' });
  });

  it('defaults to this process environment, filtered the same way', async () => {
    process.env.SKYDAG_BASH_TEST_SECRET = 'from-platform';
    try {
      await expect(bash(request({ bash_command: 'echo "${SKYDAG_BASH_TEST_SECRET:-unset} ${PATH:+path}"' }))).resolves.toEqual({ outcome: 'success', returnValue: 'unset path' });
    } finally {
      delete process.env.SKYDAG_BASH_TEST_SECRET;
    }
  });

  it('rejects non-string env values as not runnable', async () => {
    await expect(bash(request({ bash_command: 'true', env: { N: 3 } }))).rejects.toThrow(
      "BashOperator 'the_task': env values must be strings; 'N' is a number.",
    );
  });
});

describe('BashOperator: working directory', () => {
  it('runs in a fresh airflowtmp* directory that is removed afterwards', async () => {
    const req = request({ bash_command: 'touch made-here; pwd' });
    const out = await bash(req);
    const dir = out.returnValue as string;
    expect(path.dirname(dir)).toBe(tmpdir());
    expect(path.basename(dir)).toMatch(/^airflowtmp/);
    expect((await readdir(tmpdir())).includes(path.basename(dir))).toBe(false);
  });

  it('runs in cwd when given', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'skydag-cwd-'));
    try {
      await writeFile(path.join(dir, 'data.txt'), 'payload\n');
      await expect(bash(request({ bash_command: 'cat data.txt', cwd: dir }))).resolves.toEqual({ outcome: 'success', returnValue: 'payload' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails when cwd is missing or not a directory', async () => {
    await expect(bash(request({ bash_command: 'true', cwd: '/nonexistent/skydag' }))).rejects.toThrow(
      new TaskFailedError('Can not find the cwd: /nonexistent/skydag'),
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'skydag-cwd-'));
    try {
      const file = path.join(dir, 'f');
      await writeFile(file, '');
      await expect(bash(request({ bash_command: 'true', cwd: file }))).rejects.toThrow(new TaskFailedError(`The cwd ${file} must be a directory`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('BashOperator: timeout', () => {
  it('kills the whole process group (the shell and its background children) and throws TaskTimeoutError', async () => {
    const controller = new AbortController();
    const req = request({ bash_command: 'sleep 30 & echo "bg=$!"; echo "sh=$$"; sleep 30; wait' }, {}, controller.signal);
    const running = bash(req);
    await waitFor(() => /bg=\d+\nsh=\d+\n/.test(req.log.output()));
    const bg = Number(/bg=(\d+)/.exec(req.log.output())![1]);
    const sh = Number(/sh=(\d+)/.exec(req.log.output())![1]);
    expect(isAlive(bg)).toBe(true);
    expect(isAlive(sh)).toBe(true);
    const started = Date.now();
    controller.abort(new TaskTimeoutError('Timeout: execution_timeout of 1 second exceeded'));
    await expect(running).rejects.toThrow(new TaskTimeoutError('Timeout: execution_timeout of 1 second exceeded'));
    expect(Date.now() - started).toBeLessThan(900); // SIGTERM was enough: no grace-period wait
    await waitFor(() => !isAlive(bg) && !isAlive(sh), 3000);
    expect(req.log.infos()).toContain('Sending SIGTERM signal to process group');
  });

  it('SIGKILLs the group after the grace period when SIGTERM is ignored', async () => {
    const controller = new AbortController();
    const stubborn = createBashExecutor({ killGraceMs: 300 });
    const req = request({ bash_command: "trap '' TERM; sleep 30 & echo \"bg=$!\"; sleep 30; wait" }, {}, controller.signal);
    const running = stubborn(req);
    await waitFor(() => /bg=\d+\n/.test(req.log.output()));
    const bg = Number(/bg=(\d+)/.exec(req.log.output())![1]);
    const started = Date.now();
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await waitFor(() => !isAlive(bg), 3000);
  });

  it('does not start the command when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new TaskTimeoutError('stopped'));
    const dir = await mkdtemp(path.join(tmpdir(), 'skydag-cwd-'));
    try {
      await expect(bash(request({ bash_command: 'touch ran', cwd: dir }, {}, controller.signal))).rejects.toThrow(new TaskTimeoutError('stopped'));
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
