/**
 * Airflow's path settings for skydag on this machine: `[core] dags_folder` is the DAGs folder skydag
 * reads (DAG files read it while they are parsed, tasks from `airflow.configuration.conf`). It is
 * handed over as Airflow's own `AIRFLOW__CORE__DAGS_FOLDER` (shared/frontends/parse-env.ts passes it to
 * DAG files, shared/runtime/executors/task-environment.ts to tasks). `[logging] base_log_folder` is not
 * set: skydag's logs are in its state folder, which DAG files and tasks are never told about
 * (docs/security.md); a site that wants the log-cleanup maintenance DAG sets it to the folder to clean
 * and lists it in SKYDAG_PARSE_ENV (and SKYDAG_TASK_ENV_PASSTHROUGH for tasks). In the cloud none is set.
 */
import { resolve } from 'node:path';
import type { AIRFLOW_PATH_SETTINGS } from '../shared/frontends/parse-env.js';

export function localAirflowPaths(dagsFolder: string): Record<(typeof AIRFLOW_PATH_SETTINGS)[number], string> {
  return { AIRFLOW__CORE__DAGS_FOLDER: resolve(dagsFolder) };
}

/**
 * Sets them in this process's environment, where the DAG file loaders and the task environment read
 * them: what skydag uses replaces a value left over from an Airflow installation.
 */
export function useLocalAirflowPaths(dagsFolder: string): void {
  Object.assign(process.env, localAirflowPaths(dagsFolder));
}
