/**
 * The Airflow configuration values skydag answers (`conf.get(section, key)`): Airflow 2.10's
 * defaults for the keys DAG files and templates read. Shared by the template context's `conf` and
 * the static reader (a DAG file may read configuration while it is read).
 */
export const AIRFLOW_CONFIG_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  core: {
    dag_run_conf_overrides_params: 'True',
    default_timezone: 'utc',
    dags_are_paused_at_creation: 'True',
    max_active_runs_per_dag: '16',
    max_active_tasks_per_dag: '16',
    parallelism: '32',
  },
  webserver: { base_url: 'http://localhost:8080' },
  // The cncf.kubernetes provider of Airflow's image (its KubernetesPodOperator examples read it).
  kubernetes_executor: { namespace: 'default' },
};

/** Sections Airflow 2 renamed: the old name reads the new one (`[kubernetes]` is `[kubernetes_executor]`). */
export const AIRFLOW_CONFIG_RENAMED_SECTIONS: Readonly<Record<string, string>> = { kubernetes: 'kubernetes_executor' };

const TRUE_WORDS = new Set(['t', 'true', '1', 'y', 'yes', 'on']);
const FALSE_WORDS = new Set(['f', 'false', '0', 'n', 'no', 'off']);

/** Airflow's `getboolean` reading of a value (inline `#` comments dropped); undefined when it is no boolean. */
export function configBoolean(value: string): boolean | undefined {
  const w = value.trim().toLowerCase().replace(/#.*$/, '').trim();
  if (TRUE_WORDS.has(w)) return true;
  if (FALSE_WORDS.has(w)) return false;
  return undefined;
}
