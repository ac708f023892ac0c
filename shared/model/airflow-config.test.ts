/** One reading of Airflow's configuration: the template context's and the reader's `conf` (TypeScript) and the task's `airflow.configuration.conf` (the Python shim). */
import { spawnSync } from 'node:child_process';
import { PYTHON_SHIM_DIR } from '../runtime/executors/python.js';
import { AIRFLOW_CONFIG_DEFAULTS, configEnvNames, configOption, configSection } from './airflow-config.js';

const python = (code: string) => {
  const r = spawnSync('python3', ['-c', code], { env: { PATH: process.env.PATH, PYTHONPATH: PYTHON_SHIM_DIR, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown;
};

it("the task's conf answers every default the templates and the reader answer, with the same value and the same renamed sections", () => {
  const keys = Object.entries(AIRFLOW_CONFIG_DEFAULTS).flatMap(([section, values]) => Object.keys(values).map((key) => [section, key]));
  const answers = python(`import json; from airflow.configuration import conf; print(json.dumps([conf.get(s, k) for s, k in ${JSON.stringify(keys)}] + [conf.get("kubernetes", "namespace")]))`);
  expect(answers).toEqual([...keys.map(([s, k]) => AIRFLOW_CONFIG_DEFAULTS[s!]![k!]), AIRFLOW_CONFIG_DEFAULTS[configSection('kubernetes')]!.namespace]);
});

it("the task's conf reads an option Airflow 2 moved at its new place, from the new variable or the old one, as the reader does", () => {
  const code = (env: Record<string, string>) => [
    'import json, os',
    `os.environ.update(${JSON.stringify(env)})`,
    'from airflow.configuration import conf',
    'print(json.dumps([conf.get("core", "BASE_LOG_FOLDER"), conf.get("logging", "base_log_folder"), conf.get("core", "logging_level"), conf.getint("core", "dag_concurrency")]))',
  ].join('\n');
  expect(python(code({ AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/new' }))).toEqual(['/new', '/new', 'INFO', 16]);
  expect(python(code({ AIRFLOW__CORE__BASE_LOG_FOLDER: '/old', AIRFLOW__CORE__DAG_CONCURRENCY: '4' }))).toEqual(['/old', '/old', 'INFO', 4]);
  expect(configEnvNames('core', 'base_log_folder')).toEqual(['AIRFLOW__LOGGING__BASE_LOG_FOLDER', 'AIRFLOW__CORE__BASE_LOG_FOLDER']);
  expect(configOption('Core', 'DAG_CONCURRENCY')).toEqual(['core', 'max_active_tasks_per_dag']);
});

it("the task's conf raises Airflow's AirflowConfigException for an unknown key without fallback, and reads AIRFLOW__SECTION__KEY first", () => {
  const code = [
    'import json, os',
    'os.environ["AIRFLOW__KUBERNETES__NAMESPACE"] = "jobs"',
    'from airflow.configuration import conf',
    'from airflow.exceptions import AirflowConfigException',
    'try:',
    '    conf.get("nope", "key")',
    '    raised = None',
    'except AirflowConfigException as e:',
    '    raised = str(e)',
    'print(json.dumps([raised, conf.get("nope", "key", fallback=None), conf.get("kubernetes_executor", "namespace"), conf.getboolean("core", "load_examples"), conf.has_option("nope", "key")]))',
  ].join('\n');
  expect(python(code)).toEqual(['section/key [nope/key] not found in config', null, 'jobs', false, false]);
});
