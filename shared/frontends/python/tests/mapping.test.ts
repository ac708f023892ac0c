/** Dynamic task mapping as the static reader sees it: `.partial()`, `.expand()`, `.expand_kwargs()`. */
import { parse, parseOk, py } from './helpers.js';

const HEAD = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.decorators import task
  from airflow.operators.bash import BashOperator
`;

describe('dynamic task mapping', () => {
  it('maps a @task over a literal list and reduces its output downstream', () => {
    const dag = parseOk(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def add_one(x):
        return x + 1

    @task
    def sum_it(values):
        return sum(values)

    sum_it(add_one.expand(x=[1, 2, 3]))
`).m!;
    const add = dag.tasks.find((t) => t.task_id === 'add_one')!;
    expect(add.expand).toEqual({ kind: 'kwargs', value: { x: [1, 2, 3] }, target: 'op_kwargs' });
    expect(add.args.op_kwargs).toEqual({});
    const sum = dag.tasks.find((t) => t.task_id === 'sum_it')!;
    expect(sum.upstream_task_ids).toEqual(['add_one']);
    expect(sum.expand).toBeUndefined();
  });

  it('keeps partial() arguments fixed and maps over an upstream XComArg', () => {
    const dag = parseOk(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def make():
        return [1, 2]

    @task
    def scale(x, factor):
        return x * factor

    scale.partial(factor=10).expand(x=make())
`).m!;
    const scale = dag.tasks.find((t) => t.task_id === 'scale')!;
    expect(scale.args.op_kwargs).toEqual({ factor: 10 });
    expect(scale.expand).toEqual({ kind: 'kwargs', value: { x: { $type: 'xcom_arg', task_id: 'make', key: 'return_value' } }, target: 'op_kwargs' });
    expect(scale.upstream_task_ids).toEqual(['make']);
  });

  it('maps a classic operator with partial(), expand() and expand_kwargs()', () => {
    const dag = parseOk(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator.partial(task_id="echo", retries=2).expand(bash_command=["echo a", "echo b"])
    BashOperator.partial(task_id="envs").expand_kwargs([{"bash_command": "echo $X", "env": {"X": "1"}}])
`).m!;
    const echo = dag.tasks.find((t) => t.task_id === 'echo')!;
    expect(echo.retries).toBe(2);
    expect(echo.expand).toEqual({ kind: 'kwargs', value: { bash_command: ['echo a', 'echo b'] }, target: 'args' });
    const envs = dag.tasks.find((t) => t.task_id === 'envs')!;
    expect(envs.expand).toEqual({ kind: 'kwargs_list', value: [{ bash_command: 'echo $X', env: { X: '1' } }], target: 'args' });
  });

  it('maps over XComArg.map() and XComArg.zip() results (Airflow 2.4+), with every zipped producer upstream', () => {
    const dag = parseOk(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def names():
        return ["a", "b"]

    @task
    def sizes():
        return [1, 2, 3]

    @task
    def show(x):
        return x

    def upper(s):
        return s.upper()

    n = names()
    z = sizes()
    show.override(task_id="mapped").expand(x=n.map(upper).map(lambda s: s + "!"))
    show.override(task_id="zipped").expand(x=n.zip(z, fillvalue=None))
    show.override(task_id="zip_then_map").expand_kwargs(n.zip(z).map(lambda p: {"x": p}))
`).m!;
    const mapped = dag.tasks.find((t) => t.task_id === 'mapped')!;
    expect(mapped.expand?.value).toEqual({
      x: { $type: 'xcom_arg', task_id: 'names', key: 'return_value', map: [expect.objectContaining({ $type: 'callable', name: 'upper' }), expect.objectContaining({ $type: 'callable', name: '<lambda>' })] },
    });
    expect(mapped.upstream_task_ids).toEqual(['names']);
    const zipped = dag.tasks.find((t) => t.task_id === 'zipped')!;
    expect(zipped.expand?.value).toEqual({
      x: {
        $type: 'xcom_arg',
        task_id: 'names',
        key: 'return_value',
        zip: { args: [{ $type: 'xcom_arg', task_id: 'names', key: 'return_value' }, { $type: 'xcom_arg', task_id: 'sizes', key: 'return_value' }], fillvalue: null },
      },
    });
    expect([...zipped.upstream_task_ids].sort()).toEqual(['names', 'sizes']);
    const both = dag.tasks.find((t) => t.task_id === 'zip_then_map')!;
    expect(both.expand).toMatchObject({ kind: 'kwargs_list', value: { zip: { args: [{ task_id: 'names' }, { task_id: 'sizes' }] }, map: [{ name: '<lambda>' }] } });
    expect((both.expand!.value as { zip: object }).zip).not.toHaveProperty('fillvalue');
  });

  it('refuses XComArg.map()/zip() where skydag cannot honour them', () => {
    const errors = (body: string) =>
      parse(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):\n    @task\n    def src():\n        return [1]\n    @task\n    def f(x):\n        return x\n${body}`)
        .diagnostics.filter((d) => d.severity === 'error')
        .map((d) => d.message);
    expect(errors('    BashOperator.partial(task_id="b").expand(bash_command=src().map(str))\n')).toEqual([expect.stringContaining("only supported for tasks run by skydag's Python runner")]);
    expect(errors('    f(src().map(str))\n')).toEqual([expect.stringContaining('can only be mapped over by .expand()')]);
    expect(errors('    f.expand(x=src().map(f))\n')).toEqual([expect.stringContaining('must be a plain function, not a @task operator')]);
    expect(errors('    f.expand(x=src().zip([1, 2]))\n')).toEqual([expect.stringContaining('must be an XComArg')]);
    expect(errors('    f.expand(x=src()["k"].map(str))\n')).toEqual([expect.stringContaining('cannot map against non-return XCom')]);
    // A mapped group over .map(): every task of the group must run in the Python runner, where the function is applied.
    const group = (member: string) => `    from airflow.decorators import task_group\n    @task_group\n    def g(x):\n        ${member}\n    g.expand(x=src().map(str))\n`;
    expect(errors(group('f(x)'))).toEqual([]);
    const kwargsGroup = (member: string) => `    from airflow.decorators import task_group\n    @task_group\n    def g(x):\n        ${member}\n    g.expand_kwargs(src().map(lambda n: {"x": n}))\n`;
    expect(errors(kwargsGroup('f(x)'))).toEqual([]);
    expect(errors(kwargsGroup('BashOperator(task_id="b", bash_command=x)'))).toEqual([expect.stringContaining("needs every task of the group run by skydag's Python runner")]);
    expect(errors(group('BashOperator(task_id="b", bash_command=x)'))).toEqual([expect.stringMatching(/mapped task group 'g': XComArg.map\(\) as the group's input needs every task of the group run by skydag's Python runner .*'g.b' is a BashOperator/)]);
  });

  it('reads XComArg.concat() (Airflow 2.10): chained calls flattened, a map after it, upstream through every input', () => {
    const dag = parseOk(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def a():
        return [1]
    @task
    def b():
        return [2]
    @task
    def c():
        return {"k": 3}
    @task
    def show(x):
        return x
    show.override(task_id="joined").expand(x=a().concat(b()).concat(c()))
    show.override(task_id="mapped").expand(x=a().map(str).concat(b()).map(len))
`).m!;
    const ref = (task_id: string) => ({ $type: 'xcom_arg', task_id, key: 'return_value' });
    const joined = dag.tasks.find((t) => t.task_id === 'joined')!;
    expect(joined.expand?.value).toEqual({ x: { ...ref('a'), concat: { args: [ref('a'), ref('b'), ref('c')] } } });
    expect([...joined.upstream_task_ids].sort()).toEqual(['a', 'b', 'c']);
    const mapped = dag.tasks.find((t) => t.task_id === 'mapped')!;
    // A concat of a mapped input is not flattened; the map after it applies to the concatenation.
    expect(mapped.expand?.value).toMatchObject({ x: { concat: { args: [{ task_id: 'a__1', map: [{ name: 'str' }] }, ref('b__1')] }, map: [{ name: 'len' }] } });
  });

  it('refuses XComArg.concat() where Airflow or skydag does', () => {
    const errors = (body: string) =>
      parse(`${HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):\n    @task\n    def src():\n        return [1]\n    @task\n    def f(x):\n        return x\n${body}`)
        .diagnostics.filter((d) => d.severity === 'error')
        .map((d) => d.message);
    expect(errors('    f(src().concat(src()))\n')).toEqual([expect.stringContaining('XComArg.concat() can only be mapped over by .expand()')]);
    expect(errors('    f.expand(x=src().concat([1, 2]))\n')).toEqual([expect.stringContaining('concat() argument 1 must be an XComArg')]);
    expect(errors('    f.expand(x=src()["k"].concat(src()))\n')).toEqual([expect.stringContaining('cannot concatenate non-return XCom')]);
  });

  it('refuses what Airflow refuses when it parses', () => {
    const errors = (body: string) =>
      parse(`${HEAD}\nwith DAG("m", start_date=datetime(2024, 1, 1), schedule=None):\n${body}`).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(errors('    @task\n    def f(x):\n        return x\n    f.expand(x="abc")\n')).toEqual([expect.stringContaining("expand() got an unexpected type 'str' for keyword argument 'x'")]);
    expect(errors('    @task\n    def f(x):\n        return x\n    f.expand(y=[1])\n')).toEqual([expect.stringContaining("unexpected keyword argument 'y'")]);
    expect(errors('    BashOperator.partial(task_id="b").expand_kwargs([1, 2])\n')).toEqual([expect.stringContaining('expects a list of dicts')]);
  });
});

describe('mapped task groups', () => {
  const GROUP_HEAD = py`
    from datetime import datetime
    from airflow import DAG
    from airflow.decorators import task, task_group
    from airflow.operators.bash import BashOperator
    from airflow.utils.task_group import TaskGroup
  `;
  const errorsOf = (body: string) =>
    parse(`${GROUP_HEAD}\nwith DAG("m", start_date=datetime(2024, 1, 1), schedule=None):\n${body}`).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);

  it('maps every task of the group (nested groups too) over its input; MappedArguments stand in the arguments', () => {
    const dag = parseOk(`${GROUP_HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def make():
        return [1, 2]

    @task
    def add(x, step):
        return x + step

    @task
    def total(values):
        return sum(values)

    @task_group
    def grp(x, step):
        added = add(x, step)
        with TaskGroup("inner"):
            echo = BashOperator(task_id="echo", bash_command=x)
        added >> echo
        return added

    total(grp.partial(step=10).expand(x=make()))
`).m!;
    const group = { kind: 'kwargs', value: { x: { $type: 'xcom_arg', task_id: 'make', key: 'return_value' } }, target: 'group', group_id: 'grp' };
    const add = dag.tasks.find((t) => t.task_id === 'grp.add')!;
    expect(add.expand).toEqual(group);
    expect(add.args.op_args).toEqual([{ $type: 'mapped_argument', name: 'x' }, 10]);
    // The XComArg the group maps over makes its producer upstream of the group's first tasks (as Airflow's set_upstream on a group).
    expect(add.upstream_task_ids).toEqual(['make']);
    const echo = dag.tasks.find((t) => t.task_id === 'grp.inner.echo')!;
    expect(echo.expand).toEqual(group);
    expect(echo.args.bash_command).toEqual({ $type: 'mapped_argument', name: 'x' });
    expect(echo.upstream_task_ids).toEqual(['grp.add']);
    const total = dag.tasks.find((t) => t.task_id === 'total')!;
    expect(total.expand).toBeUndefined();
    expect(total.upstream_task_ids).toEqual(['grp.add']);
  });

  it('expand_kwargs() stubs every parameter not given to partial()', () => {
    const dag = parseOk(`${GROUP_HEAD}
with DAG("m", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def show(a, b, c):
        return a

    @task_group(group_id="g")
    def grp(a, b, c=3):
        show(a, b, c)

    grp.partial(b=2).expand_kwargs([{"a": 1, "c": 5}])
`).m!;
    const show = dag.tasks.find((t) => t.task_id === 'g.show')!;
    expect(show.expand).toEqual({ kind: 'kwargs_list', value: [{ a: 1, c: 5 }], target: 'group', group_id: 'g' });
    expect(show.args.op_args).toEqual([{ $type: 'mapped_argument', name: 'a' }, 2, { $type: 'mapped_argument', name: 'c' }]);
  });

  it('refuses what Airflow refuses, and a mapped task inside the group (P002)', () => {
    const group = py`
      @task
      def show(a):
          return a

      @task_group
      def grp(a, b=1):
          show(a)
    `.replace(/^/gm, '    ');
    expect(errorsOf(`${group}\n    grp.expand()`)).toEqual(['SKYDAG-P005 grp: no arguments to expand against']);
    expect(errorsOf(`${group}\n    grp.partial(a=1).expand(a=[1])`)).toEqual(["SKYDAG-P005 grp: argument 'a' is given to both partial() and expand()"]);
    expect(errorsOf(`${group}\n    grp.expand(z=[1])`)).toEqual(["SKYDAG-P005 grp() got an unexpected keyword argument 'z'"]);
    expect(errorsOf(`${group}\n    grp.expand(a=3)`)).toEqual(["SKYDAG-P005 mapped task group 'grp': expand() got an unexpected type 'int' for keyword argument 'a'"]);
    expect(errorsOf(`
    @task
    def show(a):
        return a

    @task_group
    def grp(a):
        show.expand(a=[a])

    grp.expand(a=[1])`)).toEqual(["SKYDAG-P002 task 'grp.show': operator expansion in an expanded task group is not yet supported (mapped task group 'grp'; Airflow 2.10 refuses it too)"]);
  });
});
