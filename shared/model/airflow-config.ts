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
const AIRFLOW_CONFIG_RENAMED_SECTIONS: Readonly<Record<string, string>> = { kubernetes: 'kubernetes_executor' };

/** The section a name reads, as Airflow's config parser finds it: case-insensitive, an old name as its new one. */
export function configSection(section: string): string {
  const lower = section.toLowerCase();
  return AIRFLOW_CONFIG_RENAMED_SECTIONS[lower] ?? lower;
}

/** The environment variables that set a key, in Airflow's order: AIRFLOW__{SECTION}__{KEY} of the section's current name, then of its old names. */
export function configEnvNames(section: string, key: string): string[] {
  const current = configSection(section);
  const old = Object.keys(AIRFLOW_CONFIG_RENAMED_SECTIONS).filter((name) => AIRFLOW_CONFIG_RENAMED_SECTIONS[name] === current);
  return [current, ...old.sort()].map((name) => `AIRFLOW__${name.toUpperCase()}__${key.toUpperCase()}`);
}

const TRUE_WORDS = new Set(['t', 'true', '1', 'y', 'yes', 'on']);
const FALSE_WORDS = new Set(['f', 'false', '0', 'n', 'no', 'off']);

/** Airflow's `getboolean` reading of a value (inline `#` comments dropped); undefined when it is no boolean. */
function configBoolean(value: string): boolean | undefined {
  const w = value.trim().toLowerCase().replace(/#.*$/, '').trim();
  if (TRUE_WORDS.has(w)) return true;
  if (FALSE_WORDS.has(w)) return false;
  return undefined;
}

/**
 * Airflow's `getboolean` / `getint` / `getfloat` of a configuration value; a value not of that type
 * is the message of Airflow's AirflowConfigException (the callers raise it their way).
 */
export function convertConfigValue(type: 'bool' | 'int' | 'float', value: string, section: string, key: string): { value: boolean | number } | { error: string } {
  const error = { error: `Failed to convert value to ${type}. Please check "${key}" key in "${section}" section. Current value: "${value}".` };
  if (type === 'bool') {
    const b = configBoolean(value);
    return b === undefined ? error : { value: b };
  }
  const n = value.trim() === '' ? Number.NaN : Number(value.trim());
  return (type === 'int' ? Number.isInteger(n) : !Number.isNaN(n)) ? { value: n } : error;
}
