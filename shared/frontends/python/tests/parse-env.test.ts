/** os.environ / os.getenv at parse time read the parse environment the platform hands over (SKYDAG_PARSE_ENV). */
import { dagVersion } from '../../../../local/engine/local-dag-source.js';
import { parse, py, task } from './helpers.js';

const HEAD = py`
  import os
  from datetime import datetime
  from airflow import DAG
  from airflow.operators.bash import BashOperator
`;

function errors(r: ReturnType<typeof parse>): string[] {
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.message}`);
}

describe('os.environ at parse time', () => {
  it('reads a variable of the parse environment with [], .get and os.getenv, as Airflow reads the scheduler\'s environment', () => {
    const r = parse(HEAD + py`
      with DAG("d_" + os.environ["STAGE"], start_date=datetime(2024, 1, 1), schedule=os.getenv("CRON", "@daily")) as dag:
          BashOperator(task_id="t", bash_command="echo " + os.environ.get("TARGET", "dev"))
    `, undefined, { STAGE: 'prod', TARGET: 'eu', CRON: '0 3 * * *', OTHER: 'unread' });
    expect(errors(r)).toEqual([]);
    const dag = r.dags[0]!;
    expect(dag.dag_id).toBe('d_prod');
    expect(dag.schedule).toMatchObject({ type: 'cron', cron: '0 3 * * *' });
    expect(task(dag, 't').args.bash_command).toBe('echo eu');
    // Only what the file read is recorded with the version, sorted by name.
    expect(dag.parse_env).toEqual({ CRON: '0 3 * * *', STAGE: 'prod', TARGET: 'eu' });
    expect(r.diagnostics).toEqual([]);
  });

  it('gives the default (or None) for a variable the parse environment does not have, and records nothing', () => {
    const r = parse(HEAD + py`
      assert os.environ.get("UNSET") is None and os.getenv("UNSET") is None
      assert "UNSET" not in os.environ and not ("UNSET" in os.environ)
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id=os.environ.get("TASK", "fallback"), bash_command=os.getenv("CMD", default="true"))
    `);
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics).toEqual([]);
    expect(r.dags[0]!.tasks.map((t) => t.task_id)).toEqual(['fallback']);
    expect(task(r.dags[0]!, 'fallback').args.bash_command).toBe('true');
    expect(r.dags[0]!.parse_env).toBeUndefined();
  });

  it('makes os.environ[k] for a variable it does not have a KeyError naming it and how to allow it', () => {
    const r = parse(HEAD + py`
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command=os.environ["DEPLOY_TARGET"])
    `, undefined, { OTHER: 'x' });
    expect(errors(r)).toEqual(["6:44 KeyError: 'DEPLOY_TARGET' (os.environ has no variable DEPLOY_TARGET while skydag reads DAG files)"]);
    expect(r.diagnostics[0]!.hint).toMatch(/SKYDAG_PARSE_ENV.*add DEPLOY_TARGET/);
  });

  it('lets the file set, setdefault and delete variables, as Python does, without recording them', () => {
    const r = parse(HEAD + py`
      os.environ["MODE"] = "fast"
      os.environ.setdefault("LEVEL", "3")
      kept = os.environ.setdefault("STAGE", "dev")
      del os.environ["GONE"]
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command=os.environ["MODE"] + os.environ["LEVEL"] + kept + str("GONE" in os.environ))
    `, undefined, { STAGE: 'prod', GONE: 'x' });
    expect(errors(r)).toEqual([]);
    expect(task(r.dags[0]!, 't').args.bash_command).toBe('fast3prodFalse');
    expect(r.dags[0]!.parse_env).toEqual({ GONE: 'x', STAGE: 'prod' });
  });

  it('records the value of a sensitive name as *** (the model is shown by the API), as the secrets masker hides it', () => {
    const r = parse(HEAD + py`
      USER = os.environ["MOVIELENS_USER"]
      PASSWORD = os.environ["MOVIELENS_PASSWORD"]
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="true")
    `, undefined, { MOVIELENS_USER: 'airflow', MOVIELENS_PASSWORD: 'hunter2-long' });
    expect(errors(r)).toEqual([]);
    expect(r.dags[0]!.parse_env).toEqual({ MOVIELENS_PASSWORD: '***', MOVIELENS_USER: 'airflow' });
    expect(JSON.stringify(r.dags)).not.toContain('hunter2');
  });

  it('raises TypeError for a key that is not a str', () => {
    expect(errors(parse(HEAD + py`
      x = os.environ[1]
    `))).toEqual(['5:5 TypeError: str expected, not int']);
  });

  it('gives a new DAG version when a value the file read changes, and the same version when an unread one does', () => {
    const source = HEAD + py`
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="echo " + os.getenv("RELEASE", "none"))
    `;
    const version = (env: Record<string, string>) => dagVersion(parse(source, undefined, env).dags[0]!);
    expect(version({ RELEASE: '1' })).not.toBe(version({ RELEASE: '2' }));
    expect(version({ RELEASE: '1', UNREAD: 'a' })).toBe(version({ RELEASE: '1', UNREAD: 'b' }));
    expect(version({})).not.toBe(version({ RELEASE: 'none' }));
  });
});

describe('tempfile at parse time', () => {
  const TEMP = py`
    import os
    import tempfile
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.bash import BashOperator

    with DAG("tmp", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        BashOperator(task_id="t", bash_command="ls " + os.path.join(tempfile.gettempdir(), "work"))
  `;

  it('gettempdir() is /tmp, as on the hosts tasks run on, unless the parse environment sets TMPDIR, TEMP or TMP', () => {
    const plain = parse(TEMP);
    expect(errors(plain)).toEqual([]);
    expect(task(plain.dags[0]!, 't').args.bash_command).toBe('ls /tmp/work');
    const set = parse(TEMP, undefined, { TMP: '/ignored', TMPDIR: '/scratch/' });
    expect(task(set.dags[0]!, 't').args.bash_command).toBe('ls /scratch/work');
    expect(set.dags[0]!.parse_env).toEqual({ TMPDIR: '/scratch/' });
  });

  it('creating temporary files is a run-time matter, named as such where a static value is needed', () => {
    const r = parse(py`
      import tempfile
      from datetime import datetime
      from airflow import DAG
      from airflow.operators.bash import BashOperator

      with DAG("tmp", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id=tempfile.mkdtemp(), bash_command="true")
    `);
    expect(errors(r).join('\n')).toMatch(/tempfile\.mkdtemp\(\)/);
  });
});

describe('airflow.configuration.conf at parse time', () => {
  const source = HEAD + py`
    from airflow.configuration import conf

    zone = conf.get("core", "default_timezone")
    paused = conf.getboolean("core", "dags_are_paused_at_creation")
    runs = conf.getint("core", "max_active_runs_per_dag")
    team = conf.get("custom", "team", fallback="data")
    with DAG("d_" + zone + "_" + team, start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=runs, is_paused_upon_creation=paused) as dag:
        BashOperator(task_id="t", bash_command="echo " + str(conf.has_option("core", "parallelism")))
  `;

  it("gives Airflow's defaults, the call's fallback, and AIRFLOW__SECTION__KEY variables of the parse environment", () => {
    const r = parse(source);
    expect(errors(r)).toEqual([]);
    expect([r.dags[0]!.dag_id, r.dags[0]!.max_active_runs, r.dags[0]!.is_paused_upon_creation, task(r.dags[0]!, 't').args.bash_command]).toEqual(['d_utc_data', 16, true, 'echo True']);
    const env = parse(source, undefined, { AIRFLOW__CORE__DEFAULT_TIMEZONE: 'system', AIRFLOW__CUSTOM__TEAM: 'ml', AIRFLOW__CORE__MAX_ACTIVE_RUNS_PER_DAG: '3' });
    expect(errors(env)).toEqual([]);
    expect([env.dags[0]!.dag_id, env.dags[0]!.max_active_runs]).toEqual(['d_system_ml', 3]);
  });

  it("reads Airflow 1.10's `from airflow import configuration as conf` and the renamed [kubernetes] section", () => {
    const r = parse(HEAD + py`
      from airflow import configuration as conf
      with DAG("d_" + conf.get("kubernetes", "NAMESPACE"), start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="echo " + str(conf.getboolean("core", "dag_run_conf_overrides_params")))
    `);
    expect(errors(r)).toEqual([]);
    expect([r.dags[0]!.dag_id, task(r.dags[0]!, 't').args.bash_command]).toEqual(['d_default', 'echo True']);
    // The old section's variable sets the new section's key too (Airflow reads both names).
    const fromOld = parse(HEAD + py`
      from airflow.configuration import conf
      with DAG("d_" + conf.get("kubernetes_executor", "namespace"), start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="true")
    `, undefined, { AIRFLOW__KUBERNETES__NAMESPACE: 'jobs' });
    expect(fromOld.dags[0]!.dag_id).toBe('d_jobs');
  });

  it("reads an option Airflow 2 moved at its new place (conf.get('core', 'base_log_folder') is [logging] base_log_folder), from either variable", () => {
    const source = HEAD + py`
      from airflow.configuration import conf
      with DAG("d", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=conf.getint("core", "dag_concurrency")) as dag:
          BashOperator(task_id="t", bash_command="ls " + conf.get("core", "BASE_LOG_FOLDER").rstrip("/") + " " + conf.get("logging", "logging_level"))
    `;
    const r = parse(source, undefined, { AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/srv/skydag/logs/' });
    expect(errors(r)).toEqual([]);
    expect([task(r.dags[0]!, 't').args.bash_command, r.dags[0]!.max_active_tasks]).toEqual(['ls /srv/skydag/logs INFO', 16]);
    expect(r.dags[0]!.parse_env).toEqual({ AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/srv/skydag/logs/' });
    // The option's old variable sets it too (Airflow reads it, with a deprecation warning).
    const old = parse(source, undefined, { AIRFLOW__CORE__BASE_LOG_FOLDER: '/old/logs', AIRFLOW__CORE__DAG_CONCURRENCY: '4' });
    expect([task(old.dags[0]!, 't').args.bash_command, old.dags[0]!.max_active_tasks]).toEqual(['ls /old/logs INFO', 4]);
    // Without the platform's log folder (the cloud has none) the value is unknown.
    expect(errors(parse(source))).toEqual([expect.stringContaining('depends on conf.get("core", "BASE_LOG_FOLDER")')]);
  });

  it('leaves other keys unknown (an error only where the DAG needs the value), and refuses a value that is not of the type asked', () => {
    const r = parse(HEAD + py`
      from airflow.configuration import conf
      with DAG(conf.get("kubernetes", "worker_container_repository"), start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command="true")
    `);
    expect(errors(r)).toEqual([expect.stringContaining('depends on conf.get("kubernetes", "worker_container_repository")')]);
    const bad = parse(HEAD + py`
      from airflow.configuration import conf
      n = conf.getint("core", "default_timezone")
    `);
    expect(errors(bad)).toEqual([expect.stringContaining('AirflowConfigException: Failed to convert value to int. Please check "default_timezone" key in "core" section. Current value: "utc".')]);
  });
});

describe('DAG(template_undefined=...)', () => {
  const dagWith = (imports: string, value: string) =>
    parse(HEAD + imports + `\nwith DAG("d", start_date=datetime(2024, 1, 1), schedule=None, template_undefined=${value}) as dag:\n    BashOperator(task_id="t", bash_command="echo {{ dag_run.conf.x }}")\n`);

  it.each([
    ['import jinja2', 'jinja2.Undefined', 'Undefined'],
    ['from jinja2 import ChainableUndefined', 'ChainableUndefined', 'ChainableUndefined'],
    ['import jinja2', 'jinja2.DebugUndefined', 'DebugUndefined'],
    ['from jinja2.runtime import Undefined', 'Undefined', 'Undefined'],
  ])('%s; %s is kept as the class templates render with', (imports, value, kept) => {
    const r = dagWith(imports, value);
    expect(r.diagnostics).toEqual([]);
    expect(r.dags[0]!.template_undefined).toBe(kept);
  });

  it("leaves StrictUndefined (Airflow's default) and None out of the model", () => {
    for (const [imports, value] of [['from jinja2 import StrictUndefined', 'StrictUndefined'], ['', 'None']] as const) {
      const r = dagWith(imports, value);
      expect(r.diagnostics).toEqual([]);
      expect(r.dags[0]).not.toHaveProperty('template_undefined');
    }
  });

  it('warns about another class (one the file defines) and renders strictly: the DAG still loads', () => {
    const r = dagWith('import jinja2\nclass Lenient(jinja2.Undefined):\n    pass', 'Lenient');
    expect(errors(r)).toEqual([]);
    expect(r.diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['warning', "DAG 'd': template_undefined=Lenient is not one of jinja2's Undefined classes; templates render with StrictUndefined"],
    ]);
    expect(r.dags[0]).not.toHaveProperty('template_undefined');
  });
});
