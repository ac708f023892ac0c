/**
 * The renderer's passes for a DAG's Python-side user_defined_macros / user_defined_filters: each pass
 * sends the calls it could not answer, one batch to the Python runner, and a call whose argument is
 * another call's result waits for that result (never sent with a placeholder).
 */
import { makeDag, makeTask, SCHEDULED_DAILY_RUN } from '../templates/test-fixtures.js';
import type { PythonCall, PythonCallResult } from '../templates/python-values.js';
import type { Dag } from '../../model/schema.js';
import { createTemplateRenderer, type TemplateCallRunner } from './render-fields.js';
import type { RenderTemplatedFields } from './deps.js';

type Request = Parameters<RenderTemplatedFields>[0];

function requestFor(bashCommand: string, dagOverrides: Partial<Dag> = {}): Request {
  const task = makeTask({ task_id: 't', args: { bash_command: bashCommand } });
  const dag = makeDag({ dag_id: 'd', tasks: [task], user_defined_macros: { values: { team: 'data' }, python: ['hello', 'wrap', 'boom'] }, user_defined_filters: ['shout'], ...dagOverrides });
  return {
    dag,
    task,
    run: SCHEDULED_DAILY_RUN,
    ti: { map_index: -1, start_date: null, hostname: 'h' },
    tryNumber: 1,
    dagFilePath: '/dags/d.py',
    dagsFolder: '/dags',
    context: {},
    services: { xcomPush: async () => {}, xcomPull: async () => undefined, getVariable: async () => undefined, getConnection: async () => undefined },
    log: { info: () => {}, warn: () => {}, error: () => {} },
    now: () => new Date('2019-01-04T00:00:07Z'),
  } as unknown as Request;
}

const store = { listDagRuns: async () => [] };

/** A Python side that evaluates hello/wrap/shout and records each batch it was sent. */
function fakePython(batches: PythonCall[][]): TemplateCallRunner {
  return async (_request, calls) => {
    batches.push(calls);
    return calls.map((call): PythonCallResult => {
      const [arg] = call.args as string[];
      if (call.name === 'hello') return { ok: true, value: `Hello ${arg}` };
      if (call.name === 'wrap') return { ok: true, value: `[${arg}]` };
      if (call.name === 'shout') return { ok: true, value: `${String(arg).toUpperCase()}!` };
      return { ok: false, error_type: 'ValueError', message: 'no macro today' };
    });
  };
}

describe('createTemplateRenderer with Python-side macros', () => {
  it('sends independent calls in one batch and a nested call once its argument is known', async () => {
    const batches: PythonCall[][] = [];
    const render = createTemplateRenderer(store, {}, undefined, fakePython(batches));
    const rendered = await render(requestFor('{{ wrap(hello(ds)) }} {{ team | shout }} {{ hello(team) }}'));
    expect(rendered.bash_command).toBe('[Hello 2019-01-03] DATA! Hello data');
    expect(batches).toEqual([
      [
        { kind: 'macro', name: 'hello', path: [], op: 'call', args: ['2019-01-03'], kwargs: {} },
        { kind: 'filter', name: 'shout', path: [], op: 'call', args: ['data'], kwargs: {} },
        { kind: 'macro', name: 'hello', path: [], op: 'call', args: ['data'], kwargs: {} },
      ],
      [{ kind: 'macro', name: 'wrap', path: [], op: 'call', args: ['Hello 2019-01-03'], kwargs: {} }],
    ]);
  });

  it("sends datetimes tagged, attribute paths and keyword arguments as the model's JSON", async () => {
    const batches: PythonCall[][] = [];
    const render = createTemplateRenderer(store, {}, undefined, fakePython(batches));
    await render(requestFor('{{ hello.fmt(logical_date, sep="-") }}'));
    expect(batches[0]).toEqual([
      {
        kind: 'macro',
        name: 'hello',
        path: [{ attr: 'fmt' }],
        op: 'call',
        args: [{ $type: 'datetime', value: '2019-01-03T00:00:00+00:00', timezone: 'UTC' }],
        kwargs: { sep: '-' },
      },
    ]);
  });

  it('answers calls made in a template worker thread (a render too big for the calling thread)', async () => {
    const batches: PythonCall[][] = [];
    const render = createTemplateRenderer(store, {}, undefined, fakePython(batches));
    const rendered = await render(requestFor('{% for n in range(400) %}{{ hello(n) | shout }}{% endfor %}'));
    expect(rendered.bash_command).toBe(Array.from({ length: 400 }, (_, n) => `HELLO ${n}!`).join(''));
    expect(batches.map((b) => b.length)).toEqual([400, 400]);
  });

  it("raises the macro's exception as a template error", async () => {
    const render = createTemplateRenderer(store, {}, undefined, fakePython([]));
    await expect(render(requestFor('{{ boom(ds) }}'))).rejects.toThrow('ValueError: no macro today');
  });

  it('refuses task objects as arguments, and still fails an unknown filter at compile time', async () => {
    const render = createTemplateRenderer(store, {}, undefined, fakePython([]));
    await expect(render(requestFor('{{ hello(ti) }}'))).rejects.toThrow(/cannot be passed to a user-defined macro/);
    await expect(render(requestFor('{{ ds | whisper }}'))).rejects.toThrow("No filter named 'whisper'");
  });

  it('without a Python runner, a use of such a macro is a clear error', async () => {
    const render = createTemplateRenderer(store, {});
    await expect(render(requestFor('{{ hello(ds) }}'))).rejects.toThrow(/user-defined macro 'hello' is a Python value of the DAG file/);
  });

  it('stops macros nested deeper than its passes allow', async () => {
    const render = createTemplateRenderer(store, {}, undefined, fakePython([]));
    const deep = `{{ ${'wrap('.repeat(8)}ds${')'.repeat(8)} }}`;
    await expect(render(requestFor(deep))).rejects.toThrow(/more than 7 calls deep/);
  });
});
