import type { TaskExpand } from '../model/schema.js';
import { argsForIndex, expandItems, expandReferences, EXPAND_KWARGS_ARG, MappedArgumentError, ResolvedXComs } from './mapping.js';

const xref = (task_id: string) => ({ $type: 'xcom_arg' as const, task_id, key: 'return_value' });

describe('expandItems (Airflow 2.10 expand inputs)', () => {
  it('maps one literal list, one index per item', () => {
    expect(expandItems({ kind: 'kwargs', value: { x: [1, 2, 3] }, target: 'op_kwargs' }, new ResolvedXComs())).toEqual({ ok: true, items: [{ x: 1 }, { x: 2 }, { x: 3 }] });
  });

  it('maps several arguments as their cross product, the last varying fastest', () => {
    const r = expandItems({ kind: 'kwargs', value: { a: [1, 2], b: ['x', 'y', 'z'] }, target: 'op_kwargs' }, new ResolvedXComs());
    expect(r).toEqual({ ok: true, items: [{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' }] });
  });

  it('maps a dict over its (key, value) pairs and an XComArg over the value pushed', () => {
    const xcoms = new ResolvedXComs();
    xcoms.set(xref('make'), [5, 6]);
    const expand = { kind: 'kwargs' as const, value: { kv: { k: 'v' }, n: xref('make') }, target: 'op_kwargs' as const };
    expect(expandReferences(expand)).toEqual([xref('make')]);
    expect(expandItems(expand, xcoms)).toEqual({ ok: true, items: [{ kv: ['k', 'v'], n: 5 }, { kv: ['k', 'v'], n: 6 }] });
  });

  it('has zero indexes when any mapped input is empty', () => {
    expect(expandItems({ kind: 'kwargs', value: { a: [], b: [1] }, target: 'args' }, new ResolvedXComs())).toEqual({ ok: true, items: [] });
  });

  it('refuses an upstream value that cannot be mapped over', () => {
    const xcoms = new ResolvedXComs();
    xcoms.set(xref('make'), 'abc');
    const r = expandItems({ kind: 'kwargs', value: { x: xref('make') }, target: 'op_kwargs' }, xcoms);
    expect(r).toEqual({ ok: false, error: "unmappable return type 'str' pushed for argument 'x' (map over a list or a dict)" });
    const none = expandItems({ kind: 'kwargs', value: { x: xref('missing') }, target: 'op_kwargs' }, new ResolvedXComs());
    expect(none.ok).toBe(false);
  });

  it('expand_kwargs: one index per dict, from a literal or an XComArg', () => {
    expect(expandItems({ kind: 'kwargs_list', value: [{ a: 1 }, { a: 2, b: 3 }], target: 'args' }, new ResolvedXComs())).toEqual({ ok: true, items: [{ a: 1 }, { a: 2, b: 3 }] });
    const xcoms = new ResolvedXComs();
    xcoms.set(xref('cfg'), [{ a: 1 }, 'oops']);
    expect(expandItems({ kind: 'kwargs_list', value: xref('cfg'), target: 'args' }, xcoms)).toEqual({ ok: false, error: 'expand_kwargs() item 1 is not a dict' });
  });
});

describe('expandItems over XComArg.zip() and XComArg.map() (Airflow 2.4+)', () => {
  const xcoms = new ResolvedXComs();
  xcoms.set(xref('a'), [1, 2, 3]);
  xcoms.set(xref('b'), ['x', 'y']);
  xcoms.set(xref('d'), { k: 'v' });
  const zip = (fill?: { fillvalue: null | number }) => ({ ...xref('a'), zip: { args: [xref('a'), xref('b')], ...fill } });

  it('zips to the shortest input without a fill value, to the longest with one (None included)', () => {
    const expand = { kind: 'kwargs' as const, value: { p: zip() }, target: 'op_kwargs' as const };
    expect(expandReferences(expand)).toEqual([xref('a'), xref('b')]);
    expect(expandItems(expand, xcoms)).toEqual({ ok: true, items: [{ p: [1, 'x'] }, { p: [2, 'y'] }] });
    expect(expandItems({ ...expand, value: { p: zip({ fillvalue: null }) } }, xcoms)).toEqual({ ok: true, items: [{ p: [1, 'x'] }, { p: [2, 'y'] }, { p: [3, null] }] });
    expect(expandItems({ ...expand, value: { p: zip({ fillvalue: 0 }) } }, xcoms)).toEqual({ ok: true, items: [{ p: [1, 'x'] }, { p: [2, 'y'] }, { p: [3, 0] }] });
  });

  it('leaves .map() items to the task process: one reference per item, as many as the input', () => {
    const f = { $type: 'callable' as const, name: 'f', file: 'd.py', line: 1 };
    const expand = { kind: 'kwargs' as const, value: { x: { ...xref('a'), map: [f] }, y: [10, 20] }, target: 'op_kwargs' as const };
    const r = expandItems(expand, xcoms);
    expect(r.ok && r.items.length).toBe(6);
    expect(r.ok && r.items.slice(0, 3)).toEqual([
      { x: { $type: 'mapped_item', arg: 'x', index: 0 }, y: 10 },
      { x: { $type: 'mapped_item', arg: 'x', index: 0 }, y: 20 },
      { x: { $type: 'mapped_item', arg: 'x', index: 1 }, y: 10 },
    ]);
    // A zip of a mapped input: its length is the zip's; each item is made in the task.
    const zipped = { ...xref('a'), zip: { args: [{ ...xref('a'), map: [f] }, xref('b')] } };
    expect(expandItems({ ...expand, value: { x: zipped } }, xcoms)).toEqual({ ok: true, items: [{ x: { $type: 'mapped_item', arg: 'x', index: 0 } }, { x: { $type: 'mapped_item', arg: 'x', index: 1 } }] });
    const kwargs = expandItems({ kind: 'kwargs_list', value: { ...xref('b'), map: [f] }, target: 'op_kwargs' }, xcoms);
    expect(kwargs).toEqual({ ok: true, items: [0, 1].map((index) => ({ [EXPAND_KWARGS_ARG]: { $type: 'mapped_item', arg: null, index } })) });
  });

  it('refuses to zip or map a value that is not a list, as Airflow does', () => {
    const f = { $type: 'callable' as const, name: 'f', file: 'd.py', line: 1 };
    expect(expandItems({ kind: 'kwargs', value: { x: { ...xref('d'), map: [f] } }, target: 'op_kwargs' }, xcoms)).toEqual({ ok: false, error: "XCom map expects a list for argument 'x', not 'dict'" });
    const zipDict = { ...xref('a'), zip: { args: [xref('a'), xref('d')] } };
    expect(expandItems({ kind: 'kwargs', value: { x: zipDict }, target: 'op_kwargs' }, xcoms)).toEqual({ ok: false, error: "XCom zip expects a list for argument 'x', not 'dict'" });
  });
});

describe('expandItems over XComArg.concat() (Airflow 2.10)', () => {
  const xcoms = new ResolvedXComs();
  xcoms.set(xref('a'), [1, 2, 3]);
  xcoms.set(xref('b'), ['x']);
  xcoms.set(xref('d'), { k1: 'v1', k2: 'v2' });
  xcoms.set(xref('s'), 'abc');
  const expand = (x: unknown) => ({ kind: 'kwargs' as const, value: { x } as never, target: 'op_kwargs' as const });
  const concat = (...names: string[]) => ({ ...xref(names[0]!), concat: { args: names.map(xref) } });

  it('maps over the inputs one after the other; a dict gives its keys (as iterating it does)', () => {
    expect(expandReferences(expand(concat('a', 'b', 'd')))).toEqual([xref('a'), xref('b'), xref('d')]);
    expect(expandItems(expand(concat('a', 'b', 'd')), xcoms)).toEqual({ ok: true, items: [1, 2, 3, 'x', 'k1', 'k2'].map((x) => ({ x })) });
  });

  it('concatenates zipped inputs and leaves mapped ones to the task process, as many as all inputs together', () => {
    const zipped = { ...xref('a'), zip: { args: [xref('a'), xref('b')] } };
    expect(expandItems(expand({ ...xref('a'), concat: { args: [zipped, xref('b')] } }), xcoms)).toEqual({ ok: true, items: [{ x: [1, 'x'] }, { x: 'x' }] });
    const mapped = { ...xref('a'), map: [{ $type: 'callable' as const, name: 'f', file: 'd.py', line: 1 }] };
    const items = expandItems(expand({ ...xref('a'), concat: { args: [mapped, xref('b')] } }), xcoms);
    expect(items).toEqual({ ok: true, items: [0, 1, 2, 3].map((index) => ({ x: { $type: 'mapped_item', arg: 'x', index } })) });
    // A map after the concat: one item per concatenated item, made in the task.
    expect(expandItems(expand({ ...concat('a', 'b'), map: [{ $type: 'callable' as const, name: 'f', file: 'd.py', line: 1 }] }), xcoms)).toMatchObject({ ok: true, items: { length: 4 } });
  });

  it('refuses to concatenate a value that is neither a list nor a dict', () => {
    expect(expandItems(expand(concat('a', 's')), xcoms)).toEqual({ ok: false, error: expect.stringContaining("'str'") });
  });
});

describe('argsForIndex', () => {
  it('puts the index values into op_kwargs of a @task (over partial ones) or into the operator arguments', () => {
    expect(argsForIndex({ kind: 'kwargs', value: {}, target: 'op_kwargs' }, { op_kwargs: { factor: 10 }, op_args: [] }, { x: 1 })).toEqual({ op_kwargs: { factor: 10, x: 1 }, op_args: [] });
    expect(argsForIndex({ kind: 'kwargs', value: {}, target: 'args' }, { env: { A: '1' } }, { bash_command: 'echo 1' })).toEqual({ env: { A: '1' }, bash_command: 'echo 1' });
  });

  it("a mapped task group's task: its MappedArguments (at any depth) take the index's values; a missing one is an error", () => {
    const group: TaskExpand = { kind: 'kwargs_list', value: [], target: 'group', group_id: 'g' };
    const arg = (name: string) => ({ $type: 'mapped_argument' as const, name });
    expect(argsForIndex(group, { op_args: [arg('path'), 2], op_kwargs: { opts: { mode: arg('mode') } }, env: { P: arg('path') } }, { path: 'a.csv', mode: 'rb' })).toEqual({
      op_args: ['a.csv', 2],
      op_kwargs: { opts: { mode: 'rb' } },
      env: { P: 'a.csv' },
    });
    // Values are never merged in as arguments of their own (only MappedArguments read them).
    expect(argsForIndex(group, { bash_command: 'echo' }, { path: 'a.csv' })).toEqual({ bash_command: 'echo' });
    expect(() => argsForIndex(group, { op_args: [arg('mode')] }, { path: 'a.csv' })).toThrow(MappedArgumentError);
    expect(() => argsForIndex(group, { op_args: [arg('mode')] }, { path: 'a.csv' })).toThrow("the mapped task group's input has no value for 'mode' at this map index");
  });
});
