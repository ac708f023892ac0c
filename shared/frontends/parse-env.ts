/**
 * The environment DAG files see when skydag reads them (`os.environ`, `os.getenv` at module level):
 * only the variables the operator lists in SKYDAG_PARSE_ENV, read once from the platform's process
 * and handed to the front-end as data. Everything else is unset for DAG files, so a file cannot read
 * the platform's own settings or credentials; the values a file read are recorded with its DAG
 * version (Dag.parse_env), so changing one makes a new version (values of sensitive names, as the
 * secrets masker defines them, are recorded as `***`).
 */

/** The variable naming, comma-separated, the variables DAG files may read while they are parsed. */
export const PARSE_ENV_VARIABLE = 'SKYDAG_PARSE_ENV';

/**
 * Airflow's path settings the platform sets for itself (local/airflow-paths.ts: its DAGs folder):
 * given to DAG files whenever set, as Airflow's parser answers them to every file.
 */
export const AIRFLOW_PATH_SETTINGS = ['AIRFLOW__CORE__DAGS_FOLDER'] as const;

// The platform's own settings and its cloud credentials are never shown to DAG files.
const REFUSED_PREFIXES = ['SKYDAG_', 'AWS_'];

/** Why a variable may not be given to DAG files, or undefined when it may. */
export function refusedParseEnvName(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `'${name}' is not a variable name`;
  if (REFUSED_PREFIXES.some((p) => name.toUpperCase().startsWith(p))) return `${name} is one of skydag's or AWS's own settings`;
  return undefined;
}

/**
 * The variables listed in SKYDAG_PARSE_ENV with their values in `env` (unset ones are left out).
 * A listed name that may not be shown to DAG files is an error naming it, so the platform does not start half-configured.
 */
export function parseEnvironmentFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const names = (env[PARSE_ENV_VARIABLE] ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const values: Record<string, string> = {};
  for (const name of AIRFLOW_PATH_SETTINGS) if (env[name] !== undefined) values[name] = env[name];
  for (const name of names) {
    const refused = refusedParseEnvName(name);
    if (refused) throw new Error(`${PARSE_ENV_VARIABLE}: ${refused}; list only variables DAG files may read`);
    const value = env[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}
