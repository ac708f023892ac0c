/**
 * Python tries forked by a warm worker (python-worker.ts, shared/python/skydag_runner/warm.py) keep
 * what a cold `python3 -m skydag_runner` gives a try: its own process and group, environment,
 * working directory, output and RPC channel, the kill on timeout, and nothing left by earlier tries.
 * (The whole Python runner suite, python.test.ts, passes through the warm path too.)
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPythonExecutor } from './python.js';
import { PythonWorkers } from './python-worker.js';
import { makeDag, makeRequest, makeTask } from './test-request.js';
import { TaskTimeoutError, type ExecutionRequest, type TaskServices } from './types.js';

const PYTHON = process.env.SKYDAG_PYTHON || 'python3';
let dags: string;
let workers: PythonWorkers;

const DAG = `
import os, subprocess, sys, time
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator
import shared_state

MODULE_LOADS = shared_state.loads
shared_state.loads.append(os.getpid())

def remember():
    seen = list(shared_state.values)
    shared_state.values.append("try")
    left = os.environ.get("LEFT_BY_A_TRY")
    os.environ["LEFT_BY_A_TRY"] = "yes"
    return {"seen": seen, "loads": len(MODULE_LOADS), "left": left}

def describe():
    print("to stdout", flush=True)
    sys.stderr.write("to stderr\\n")
    return {
        "pid": os.getpid(), "ppid": os.getppid(), "pgid": os.getpgid(0), "sid": os.getsid(0), "cwd": os.getcwd(),
        "env": sorted(os.environ), "marker": os.environ.get("MARKER"), "left": os.environ.get("LEFT_BY_A_TRY"),
        "stdin": sys.stdin.read(), "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "path0": sys.path[0:2], "dags": os.environ.get("SKYDAG_DAGS_FOLDER"),
    }

def sleeper():
    child = subprocess.Popen(["sleep", "30"])
    with open(os.environ["PID_FILE"], "w") as f:
        f.write("%d %d" % (os.getpid(), child.pid))
    time.sleep(30)

with DAG("warm", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="remember", python_callable=remember)
    PythonOperator(task_id="describe", python_callable=describe)
    PythonOperator(task_id="sleeper", python_callable=sleeper)
`;

beforeAll(() => {
  dags = mkdtempSync(join(tmpdir(), 'skydag-warm-'));
  writeFileSync(join(dags, 'warm_dag.py'), DAG);
  writeFileSync(join(dags, 'shared_state.py'), 'values = []\nloads = []\n');
  workers = new PythonWorkers({ idleMs: 5000 });
});

afterAll(() => {
  workers.close();
  rmSync(dags, { recursive: true, force: true });
});

function services(): TaskServices & { pushed: Map<string, unknown> } {
  const pushed = new Map<string, unknown>();
  return {
    pushed,
    xcomPull: async () => undefined,
    xcomPush: async (key, value) => void pushed.set(key, value),
    getVariable: async () => undefined,
    setVariable: async () => undefined,
    getConnection: async () => undefined,
  };
}

function request(taskId: string, signal?: AbortSignal): ExecutionRequest {
  const task = makeTask({ task_id: taskId, operator: 'PythonOperator', operator_kind: 'python', args: {} });
  const base = makeRequest({ task, dag: makeDag([task], { dag_id: 'warm' }), dagsFolder: dags, signal });
  return { ...base, dagFilePath: join(dags, 'warm_dag.py'), args: {}, services: services() };
}

const warm = (env: Record<string, string> = {}) => createPythonExecutor({ python: PYTHON, workers, env, killGraceMs: 1000 });

describe('warm Python worker', () => {
  it('runs each try in a fresh process: module globals, imported modules and environment changes of one try are not seen by the next', async () => {
    const ex = warm();
    const first = await ex(request('remember'));
    const second = await ex(request('remember'));
    expect(first).toEqual({ outcome: 'success', returnValue: { seen: [], loads: 1, left: null } });
    expect(second).toEqual(first);
    const described = (await ex(request('describe'))) as { returnValue: { left: string | null } };
    expect(described.returnValue.left).toBeNull();
  });

  it('gives a try its own process group, environment, working directory, stdio and descriptors', async () => {
    const req = request('describe');
    const outcome = await warm({ MARKER: 'one' })(req);
    const seen = (outcome as { returnValue: Record<string, unknown> }).returnValue as {
      pid: number; ppid: number; pgid: number; sid: number; cwd: string; env: string[]; marker: string; stdin: string; fds: number[]; path0: string[]; dags: string;
    };
    expect(seen.ppid).not.toBe(process.pid); // forked by the worker
    expect(seen.pgid).toBe(seen.pid); // its own group and session, signalled as one
    expect(seen.sid).toBe(seen.pid);
    expect(seen.marker).toBe('one');
    expect(seen.env).not.toContain('SKYDAG_ADMIN_PASSWORD');
    expect(seen.env).toEqual(expect.arrayContaining(['AIRFLOW_CTX_TASK_ID', 'PATH', 'PYTHONPATH', 'SKYDAG_DAGS_FOLDER']));
    expect(dirname(seen.cwd)).toBe(tmpdir());
    expect(existsSync(seen.cwd)).toBe(false); // removed once the try ended
    expect(seen.stdin).toBe('');
    expect(seen.fds.filter((fd) => fd > 3)).toHaveLength(1); // 0-3, and the listing's own descriptor
    expect(seen.path0[1]).toBe(dags);
    expect(seen.dags).toBe(dags);
    const output = req.log as unknown as { output(): string };
    expect(output.output()).toContain('to stdout\n');
    expect(output.output()).toContain('to stderr\n');
    // Another environment for the next try of the same worker.
    const next = (await warm({ MARKER: 'two' })(request('describe'))) as { returnValue: { marker: string; pid: number } };
    expect(next.returnValue.marker).toBe('two');
    expect(next.returnValue.pid).not.toBe(seen.pid);
  });

  it('kills the try and its process group when the signal aborts (execution_timeout)', async () => {
    const pidFile = join(dags, 'pids.txt');
    const controller = new AbortController();
    const req = request('sleeper', controller.signal);
    req.task.execution_timeout_seconds = 0.5;
    const running = warm({ PID_FILE: pidFile })(req);
    const started = Date.now();
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim().split(' ').length < 2) {
      if (Date.now() - started > 10000) throw new Error('the task did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    controller.abort();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    const [pid, childPid] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number) as [number, number];
    const state = (p: number) => (existsSync(`/proc/${p}/stat`) ? readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.charAt(0) : 'gone');
    for (let waited = 0; !['gone', 'Z', 'X'].includes(state(pid)) && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(['gone', 'Z', 'X']).toContain(state(pid));
    expect(['gone', 'Z', 'X']).toContain(state(childPid));
  });

  it('falls back to a cold start when the interpreter cannot fork', async () => {
    // An interpreter whose warm worker reports no fork (as on a platform without os.fork).
    const bin = join(dags, 'bin');
    mkdirSync(bin, { recursive: true });
    const fake = join(bin, 'python-nofork');
    writeFileSync(fake, `#!/bin/bash\nif [ "$2" = skydag_runner.warm ]; then echo '{"ready": true, "fork": false}'; exec cat >/dev/null; fi\nexec ${PYTHON} "$@"\n`);
    chmodSync(fake, 0o755);
    const ex = createPythonExecutor({ python: fake, workers });
    const first = (await ex(request('describe'))) as { outcome: string; returnValue: { pgid: number; pid: number; ppid: number } };
    expect(first.outcome).toBe('success');
    expect(first.returnValue.ppid).toBe(process.pid); // spawned here
    expect(first.returnValue.pgid).toBe(first.returnValue.pid);
  });
});
