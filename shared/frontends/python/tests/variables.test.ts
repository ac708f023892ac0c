/**
 * `Variable.get("key", ...)` at the top of a DAG file: the value the platform answered
 * (FrontendOptions.variables), as Airflow's DAG processor reads the metadata database.
 */
import { parsePythonDagFile } from '../index.js';
import { FILE, NOW, py } from './helpers.js';

const SOURCE = py`
  from datetime import datetime
  from airflow import DAG
  from airflow.models import Variable
  from airflow.operators.bash import BashOperator

  ENV = Variable.get("env", default_var="dev")
  BUCKET = Variable.get(key="bucket")
  tables = Variable.get("tables", default_var=["a"], deserialize_json=True)

  with DAG("load_" + ENV, start_date=datetime(2024, 1, 1), schedule=None):
      for t in tables:
          BashOperator(task_id="load_" + t, bash_command=f"aws s3 cp s3://{BUCKET}/{t} - --env {ENV}")
`;

function read(source: string, variables?: Record<string, string | null>) {
  const r = parsePythonDagFile(source, { file: FILE, now: NOW, ...(variables ? { variables } : {}) });
  return {
    dags: r.dags.map((d) => ({ dag_id: d.dag_id, tasks: d.tasks.map((t) => [t.task_id, t.args?.bash_command]) })),
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line} ${d.message}${d.hint ? ` (${d.hint})` : ''}`),
  };
}

describe('Variable.get while the file is read', () => {
  it('is the stored value; deserialize_json gives the Python value', () => {
    expect(read(SOURCE, { env: 'prod', bucket: 'raw-data', tables: '["orders", "users"]' })).toEqual({
      dags: [
        {
          dag_id: 'load_prod',
          tasks: [
            ['load_orders', 'aws s3 cp s3://raw-data/orders - --env prod'],
            ['load_users', 'aws s3 cp s3://raw-data/users - --env prod'],
          ],
        },
      ],
      errors: [],
    });
  });

  it("records the keys the file read on its DAGs (no values): a change of one reads the file again", () => {
    const r = parsePythonDagFile(SOURCE, { file: FILE, now: NOW, variables: { env: 'prod', bucket: 'b', tables: null, unused: 'x' } });
    expect(r.dags[0]!.parse_variables).toEqual(['bucket', 'env', 'tables']);
    expect(parsePythonDagFile(SOURCE.replace(/Variable\.get\([^)]*\)/g, '"v"'), { file: FILE, now: NOW, variables: { env: 'prod' } }).dags[0]!.parse_variables).toBeUndefined();
  });

  it('is default_var when the variable is not set (whatever its type)', () => {
    expect(read(SOURCE, { env: null, bucket: 'b', tables: null }).dags).toEqual([{ dag_id: 'load_dev', tasks: [['load_a', 'aws s3 cp s3://b/a - --env dev']] }]);
  });

  it("is Airflow's KeyError for a variable that is not set and has no default: the file's import error", () => {
    expect(read(SOURCE, { env: 'prod', bucket: null, tables: null }).errors).toEqual([expect.stringMatching(/^7 KeyError: 'Variable bucket does not exist' \(set it .*default_var=\)$/)]);
  });

  it('refuses a value deserialize_json cannot read', () => {
    expect(read(SOURCE, { env: 'prod', bucket: 'b', tables: '[oops' }).errors).toEqual([expect.stringMatching(/^8 json.decoder.JSONDecodeError: Variable tables is not JSON/)]);
  });

  it('stays unknown when the platform did not look the key up; a key the file computes is looked up by its value', () => {
    expect(read(SOURCE).errors[0]).toContain('depends on Variable.get("env")');
    expect(read(SOURCE, { env: 'prod', tables: null }).errors[0]).toContain('depends on Variable.get("bucket")');
    const computed = py`
      from datetime import datetime
      from airflow import DAG
      from airflow.models import Variable
      from airflow.operators.bash import BashOperator
      name = "e" + "nv"
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=Variable.get(name))
    `;
    expect(read(computed, { env: 'prod' })).toEqual({ dags: [{ dag_id: 'd', tasks: [['t', 'prod']] }], errors: [] });
  });

  it("keeps a sensitive variable's value out of the model: the file must read it when the task runs", () => {
    const source = py`
      from datetime import datetime
      from airflow import DAG
      from airflow.models import Variable
      from airflow.operators.bash import BashOperator
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command="curl -H 'token: " + Variable.get("api_token") + "' x")
    `;
    const r = read(source, { api_token: 's3cr3t' });
    expect(r.errors).toEqual([expect.stringContaining("depends on Variable.get(\"api_token\")")]);
    expect(r.errors[0]).toContain('{{ var.value.api_token }}');
    expect(JSON.stringify(r)).not.toContain('s3cr3t');
    // Unset, its default is the file's own text: no secret in it.
    expect(read(source.replace('Variable.get("api_token")', 'Variable.get("api_token", default_var="none")'), { api_token: null }).dags[0]!.tasks).toEqual([['t', "curl -H 'token: none' x"]]);
  });

  it("raises its KeyError to the try around it: the matching except runs, as in Python", () => {
    const source = py`
      from datetime import datetime
      from airflow import DAG
      from airflow.models import Variable
      from airflow.operators.bash import BashOperator
      try:
          ENV = Variable.get("env")
      except KeyError as e:
          ENV = "fallback_" + type(e).__name__
      try:
          try:
              REGION = Variable.get("region")
          except ValueError:
              REGION = "wrong handler"
          finally:
              CLEANED = "yes"
      except LookupError:
          REGION = "eu"
      with DAG("d_" + ENV, start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=REGION + " " + CLEANED)
    `;
    expect(read(source, { env: null, region: null })).toEqual({ dags: [{ dag_id: 'd_fallback_KeyError', tasks: [['t', 'eu yes']] }], errors: [] });
    expect(read(source, { env: 'prod', region: 'us' }).dags).toEqual([{ dag_id: 'd_prod', tasks: [['t', 'us yes']] }]);
    // A handler that does not catch it: the file's import error.
    const uncaught = source.replace('except LookupError:', 'except ImportError:');
    expect(read(uncaught, { env: 'prod', region: null }).errors).toEqual([expect.stringMatching(/^11 KeyError: 'Variable region does not exist'/)]);
  });

  it("gives the caught exception's str() and repr() as Python does (a KeyError's str is its argument's repr)", () => {
    const source = py`
      from datetime import datetime
      from airflow import DAG
      from airflow.models import Variable
      from airflow.operators.bash import BashOperator
      try:
          IMAGE = Variable.get("image")
      except Exception as e:
          IMAGE = f"{e}|{e!r}|{e.args[0]}|{str(ValueError('bad', 2))}|{repr(RuntimeError())}|{str(KeyError())}"
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None):
          BashOperator(task_id="t", bash_command=IMAGE)
    `;
    // Values from CPython 3.11.
    expect(read(source, { image: null }).dags).toEqual([
      { dag_id: 'd', tasks: [['t', `'Variable image does not exist'|KeyError('Variable image does not exist')|Variable image does not exist|('bad', 2)|RuntimeError()|`]] },
    ]);
    // Re-raised with its text, the file's import error reads as Airflow's.
    const reraised = py`
      from airflow.models import Variable
      def config():
          try:
              return Variable.get("image")
          except Exception as e:
              raise Exception(f"Could not get the variables: {e}")
      IMAGE = config()
    `;
    expect(read(reraised, { image: null }).errors).toEqual([expect.stringContaining("raises Exception: Could not get the variables: 'Variable image does not exist' while it is read")]);
  });
});
