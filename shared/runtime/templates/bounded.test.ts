/**
 * renderTaskFields: small renders stay on the calling thread; the rest run in a worker thread, which
 * keeps the event loop free, answers the context's accessors from the calling thread, and is stopped
 * when a render outlives its time limit or its memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PyValue, Task } from '../../model/schema.js';
import type { TemplateLimits } from './budget.js';
import { renderTaskFields, type TaskRenderRequest } from './bounded.js';
import type { TemplateContextInput } from './context.js';
import { TemplateError, TemplateErrorCode } from './errors.js';
import { renderTemplatedFields } from './render.js';
import { NOW, SCHEDULED_DAILY_RUN, context, makeDag, makeTask } from './test-fixtures.js';
import { TemplateWorkerPool } from './worker/pool.js';

const HOSTILE = '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}';
const LIMITS: TemplateLimits = { maxSteps: 200_000, maxOutputChars: 4_000_000, timeoutMs: 20_000 };

function request(args: Record<string, PyValue>, overrides: Partial<TemplateContextInput> = {}, task: Task = makeTask({ task_id: 'render_me', args })): TaskRenderRequest {
  const dag = makeDag({ dag_id: 'bounded', tasks: [task] });
  return { task, args, context: { dag, task, run: SCHEDULED_DAILY_RUN, tryNumber: 1, now: NOW, ...overrides }, loadTemplateFile: () => undefined, undefined: 'strict' };
}

async function failure(work: Promise<unknown>): Promise<TemplateError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error('expected the render to fail');
}

/** A pool that must not be used: proves a render stayed on the calling thread. */
class UnusedPool extends TemplateWorkerPool {
  override run(): never {
    throw new Error('the worker pool was used');
  }
}

describe('renderTaskFields', () => {
  const pool = new TemplateWorkerPool({ size: 1, graceMs: 0 });
  afterAll(() => pool.close());

  it('renders a typical task on the calling thread', async () => {
    const req = request({ bash_command: 'echo {{ ds }} {{ var.value.region }}', env: { T: '{{ ti.try_number }}' } }, { variables: (k) => (k === 'region' ? 'eu' : undefined) });
    await expect(renderTaskFields(req, { limits: LIMITS, workers: new UnusedPool() })).resolves.toEqual({ bash_command: 'echo 2019-01-03 eu', env: { T: '1' } });
  });

  it('renders fields without Jinja syntax as with the whole context (newlines, native values, files with and without Jinja)', async () => {
    const args: Record<string, PyValue> = {
      bash_command: 'echo plain\r\nline two { not jinja } %}\n',
      env: { A: 'x\n\n', B: '' },
      cwd: ['no', 'templates', { deep: 'here' }],
    };
    const task = makeTask({ task_id: 'render_me', args });
    const whole = { ...context({ task, dag: makeDag({ dag_id: 'bounded', tasks: [task] }) }) };
    const expected = renderTemplatedFields(task, args, whole, { loadTemplateFile: () => undefined, undefined: 'strict' });
    await expect(renderTaskFields(request(args, {}, task), { limits: LIMITS, workers: new UnusedPool() })).resolves.toEqual(expected);
    expect(expected.bash_command).toBe('echo plain\nline two { not jinja } %}');

    const nativeTask = makeTask({ task_id: 'native', args: { bash_command: '[1, 2]', env: { N: '3', T: 'True' } } });
    const nativeDag = makeDag({ dag_id: 'native', tasks: [nativeTask], render_template_as_native_obj: true });
    const nativeRequest: TaskRenderRequest = { ...request(nativeTask.args, {}, nativeTask), context: { dag: nativeDag, task: nativeTask, run: SCHEDULED_DAILY_RUN, tryNumber: 1, now: NOW } };
    await expect(renderTaskFields(nativeRequest, { limits: LIMITS, workers: new UnusedPool() })).resolves.toEqual({ bash_command: [1, 2], env: { N: 3, T: true } });

    // A template file is read and looked at too: a file with Jinja gets the context.
    const fileTask = makeTask({ task_id: 'file', args: { bash_command: 'run.sh', env: { PLAIN: 'plain.sh' } } });
    const files: Record<string, string> = { 'run.sh': 'echo {{ ds }}\n', 'plain.sh': 'echo plain\n' };
    const fileRequest: TaskRenderRequest = { ...request(fileTask.args, {}, fileTask), loadTemplateFile: (path) => files[path] };
    await expect(renderTaskFields(fileRequest, { limits: LIMITS, workers: new UnusedPool() })).resolves.toEqual({ bash_command: 'echo 2019-01-03', env: { PLAIN: 'echo plain' } });
  });

  it('moves a render that outgrows the calling thread’s slice to a worker, which calls the accessors back', async () => {
    const seen: string[] = [];
    const template = '{% for i in range(3000) %}{{ var.value.get("k" ~ (i % 3)) }}{% endfor %}|{{ ti.xcom_pull(task_ids="up") }}|{{ conn.db.host }}';
    const req = request(
      { bash_command: template },
      {
        variables: (k) => (seen.push(k), `<${k}>`),
        xcomPull: (r) => `xcom of ${String(r.task_id)}`,
        connections: (id) => ({ conn_id: id, conn_type: 'postgres', host: 'db.internal' }),
      },
    );
    const out = (await renderTaskFields(req, { limits: LIMITS, workers: pool })) as { bash_command: string };
    expect(out.bash_command).toBe(`${'<k0><k1><k2>'.repeat(1000)}|xcom of up|db.internal`);
    expect(seen).toContain('k2');
  });

  it('keeps the event loop running while a worker renders', async () => {
    // A turn of the event loop queued now runs before the answer only if the render does not hold the
    // loop (a worker's answer arrives in a later turn); counting timer ticks failed when a warm worker was quicker than a tick.
    let turned = false;
    setImmediate(() => (turned = true));
    const err = await failure(renderTaskFields(request({ bash_command: HOSTILE }), { limits: LIMITS, workers: pool }));
    expect(err.code).toBe(TemplateErrorCode.BUDGET_EXCEEDED);
    expect(err.taskId).toBe('render_me');
    expect(err.field).toBe('bash_command');
    expect(err.message).toContain('template budget exceeded: the template needs more than 200,000 steps');
    expect(turned).toBe(true);
  });

  it('reports template errors raised in the worker like those raised in place', async () => {
    const req = request({ bash_command: `{% for i in range(3000) %}{{ i }}{% endfor %}{{ undefined_name }}` });
    const err = await failure(renderTaskFields(req, { limits: LIMITS, workers: pool }));
    expect(err.code).toBe(TemplateErrorCode.UNDEFINED);
    expect(err.detail).toBe("UndefinedError: 'undefined_name' is undefined");
    expect(err.field).toBe('bash_command');
  });

  it('applies configured limits smaller than the slice', async () => {
    const err = await failure(renderTaskFields(request({ bash_command: '{{ range(500) | list | length }}' }), { limits: { ...LIMITS, maxSteps: 100 }, workers: pool }));
    expect(err.message).toContain('more than 100 steps');
  });

  it('sends long templates straight to a worker (parsing them is not budgeted)', async () => {
    const long = `{{ ds }}${' '.repeat(20_000)}`;
    await expect(renderTaskFields(request({ bash_command: long }), { limits: LIMITS, workers: new UnusedPool() })).rejects.toThrow('the worker pool was used');
    await expect(renderTaskFields(request({ bash_command: long }), { limits: LIMITS, workers: pool })).resolves.toEqual({ bash_command: long.replace('{{ ds }}', '2019-01-03') });
  });

  it('reads template files first and renders them wherever they run', async () => {
    const task = makeTask({ task_id: 'script', args: { bash_command: 'run.sh' } });
    const req = { ...request(task.args, {}, task), loadTemplateFile: async (p: string) => (p === 'run.sh' ? '{% for i in range(3000) %}{% endfor %}echo {{ ds_nodash }}' : undefined) };
    await expect(renderTaskFields(req, { limits: LIMITS, workers: pool })).resolves.toEqual({ bash_command: 'echo 20190103' });
    const missing = { ...req, loadTemplateFile: async () => Promise.reject(new Error('permission denied')) };
    const err = await failure(renderTaskFields(missing, { limits: LIMITS, workers: pool }));
    expect(err.code).toBe(TemplateErrorCode.TEMPLATE_NOT_FOUND);
    expect(err.detail).toBe('TemplateNotFound: run.sh (permission denied)');
  });
});

describe('the worker pool', () => {
  it('terminates a worker stuck in one long operation past the time limit, and renders again afterwards', async () => {
    const pool = new TemplateWorkerPool({ size: 1, graceMs: 0 });
    try {
      // One sort of five million items: the budget is charged up front, then nothing can interrupt it.
      const job = request({ bash_command: '{{ ((range(100000) | list) * 50) | sort | length }}' });
      const err = await failure(renderTaskFields(job, { limits: { maxSteps: 1e9, maxOutputChars: 1e9, timeoutMs: 200 }, workers: pool }));
      expect(err.code).toBe(TemplateErrorCode.BUDGET_EXCEEDED);
      expect(err.message).toContain('the renderer was stopped after 200 ms');
      await expect(renderTaskFields(request({ bash_command: '{{ range(3000) | sum }}' }), { limits: LIMITS, workers: pool })).resolves.toEqual({ bash_command: '4498500' });
    } finally {
      await pool.close();
    }
  });

  it('fails a render that exhausts the worker’s memory', async () => {
    const pool = new TemplateWorkerPool({ size: 1 });
    try {
      const template = '{% set keep = [] %}{% for i in range(1000) %}{% do keep.append((range(100000) | list) * 100) %}{% endfor %}{{ keep | length }}';
      const err = await failure(renderTaskFields(request({ bash_command: template }), { limits: { maxSteps: 1e12, maxOutputChars: 1024, timeoutMs: 120_000 }, workers: pool }));
      expect(err.code).toBe(TemplateErrorCode.BUDGET_EXCEEDED);
      expect(err.message).toContain('the renderer ran out of its 129 MB heap');
    } finally {
      await pool.close();
    }
  });

  it('queues renders beyond its size', async () => {
    const pool = new TemplateWorkerPool({ size: 1 });
    try {
      const jobs = [1, 2, 3].map((n) => renderTaskFields(request({ bash_command: `{% for i in range(3000) %}{% endfor %}${n}` }), { limits: LIMITS, workers: pool }));
      await expect(Promise.all(jobs)).resolves.toEqual([{ bash_command: '1' }, { bash_command: '2' }, { bash_command: '3' }]);
    } finally {
      await pool.close();
    }
  });

  it('keeps a process alive while a worker renders for it, and not once the worker is idle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skydag-render-cli-'));
    try {
      // Like `skydag tasks test`: a process whose only pending work is the render it awaits.
      const script = join(dir, 'render.mts');
      writeFileSync(
        script,
        `import { renderTaskFields } from ${JSON.stringify(join(__dirname, 'index.ts'))};
import { NOW, SCHEDULED_DAILY_RUN, makeDag, makeTask } from ${JSON.stringify(join(__dirname, 'test-fixtures.ts'))};
const task = makeTask({ task_id: 'cli', args: { bash_command: '{% for i in range(3000) %}{% endfor %}{{ ds }}' } });
const dag = makeDag({ dag_id: 'cli', tasks: [task] });
const out = await renderTaskFields({ task, args: task.args, context: { dag, task, run: SCHEDULED_DAILY_RUN, tryNumber: 1, now: NOW }, loadTemplateFile: () => undefined });
console.log(JSON.stringify(out));
`,
      );
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8', timeout: 25_000 });
      expect(child.stderr).not.toContain('Error');
      expect(child.stdout.trim()).toBe('{"bash_command":"2019-01-03"}');
      // Exited by itself, well before the idle worker's 30 s stop.
      expect(child.signal).toBeNull();
      expect(child.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
