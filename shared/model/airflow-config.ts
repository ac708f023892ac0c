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
  logging: { logging_level: 'INFO', fab_logging_level: 'WARNING', remote_logging: 'False' },
  webserver: { base_url: 'http://localhost:8080' },
  // The cncf.kubernetes provider of Airflow's image (its KubernetesPodOperator examples read it).
  kubernetes_executor: { namespace: 'default' },
};

/** Sections Airflow 2 renamed: the old name reads the new one (`[kubernetes]` is `[kubernetes_executor]`). */
const AIRFLOW_CONFIG_RENAMED_SECTIONS: Readonly<Record<string, string>> = { kubernetes: 'kubernetes_executor' };

/**
 * Options Airflow 2 moved (its `deprecated_options`, old `section.key` → new): reading the old place
 * reads the new one, as Airflow's `conf.get` does (with a FutureWarning). The database options are
 * left out: skydag answers none of them.
 */
const AIRFLOW_CONFIG_MOVED_OPTIONS: Readonly<Record<string, readonly [string, string]>> = Object.fromEntries([
  ...['base_log_folder', 'remote_logging', 'remote_log_conn_id', 'remote_base_log_folder', 'encrypt_s3_logs', 'logging_level', 'fab_logging_level',
    'logging_config_class', 'colored_console_log', 'colored_log_format', 'colored_formatter_class', 'log_format', 'simple_log_format',
    'task_log_prefix_template', 'log_filename_template', 'log_processor_filename_template', 'dag_processor_manager_log_location', 'task_log_reader',
    'interleave_timestamp_parser'].map((key) => [`core.${key}`, ['logging', key]]),
  ['core.dag_concurrency', ['core', 'max_active_tasks_per_dag']],
  ['core.non_pooled_task_slot_count', ['core', 'default_pool_task_slot_count']],
  ['scheduler.max_threads', ['scheduler', 'parsing_processes']],
  ['scheduler.processor_poll_interval', ['scheduler', 'scheduler_idle_sleep_time']],
  ['celery.default_queue', ['operators', 'default_queue']],
  ['celery.worker_log_server_port', ['logging', 'worker_log_server_port']],
]);

/** The section a name reads, as Airflow's config parser finds it: case-insensitive, an old name as its new one. */
export function configSection(section: string): string {
  const lower = section.toLowerCase();
  return AIRFLOW_CONFIG_RENAMED_SECTIONS[lower] ?? lower;
}

/** Where `section`/`key` is read, as Airflow finds it: lower-cased, a renamed section or a moved option at its new place. */
export function configOption(section: string, key: string): [section: string, key: string] {
  const current = configSection(section);
  const lowerKey = key.toLowerCase();
  const moved = AIRFLOW_CONFIG_MOVED_OPTIONS[`${current}.${lowerKey}`];
  return moved ? [moved[0], moved[1]] : [current, lowerKey];
}

/**
 * The environment variables that set a key, in Airflow's order: AIRFLOW__{SECTION}__{KEY} of its
 * current place, then of the section's old names, then of the option's old place.
 */
export function configEnvNames(section: string, key: string): string[] {
  const [current, currentKey] = configOption(section, key);
  const old = Object.keys(AIRFLOW_CONFIG_RENAMED_SECTIONS).filter((name) => AIRFLOW_CONFIG_RENAMED_SECTIONS[name] === current);
  const places: [string, string][] = [current, ...old.sort()].map((name) => [name, currentKey]);
  for (const [from, [toSection, toKey]] of Object.entries(AIRFLOW_CONFIG_MOVED_OPTIONS)) {
    if (toSection === current && toKey === currentKey) places.push(from.split('.') as [string, string]);
  }
  return places.map(([s, k]) => `AIRFLOW__${s.toUpperCase()}__${k.toUpperCase()}`);
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
