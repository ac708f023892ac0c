/**
 * Airflow's path settings for skydag on this machine: `$SKYDAG_HOME` stands where Airflow's
 * AIRFLOW_HOME does (task logs in `logs/dag_id=…/run_id=…/task_id=…/attempt=N.log`, the DAG
 * processor's in `logs/scheduler`), with the DAGs folder skydag reads. DAG files read them while they
 * are parsed (`conf.get("logging", "BASE_LOG_FOLDER")`, the common log-cleanup DAG) and tasks read
 * them from `airflow.configuration.conf`: they are handed over as Airflow's own
 * `AIRFLOW__{SECTION}__{KEY}` variables (shared/frontends/parse-env.ts passes these names to DAG
 * files, shared/runtime/executors/task-environment.ts to tasks). In the cloud there are no such
 * folders, and none is set.
 */
import { resolve } from 'node:path';
import type { AIRFLOW_PATH_SETTINGS } from '../shared/frontends/parse-env.js';

export function localAirflowPaths(home: string, dagsFolder: string): Record<(typeof AIRFLOW_PATH_SETTINGS)[number], string> {
  return {
    AIRFLOW__CORE__DAGS_FOLDER: resolve(dagsFolder),
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: resolve(home, 'logs'),
    AIRFLOW__SCHEDULER__CHILD_PROCESS_LOG_DIRECTORY: resolve(home, 'logs', 'scheduler'),
  };
}

/**
 * Sets them in this process's environment, where the DAG file loaders and the task environment read
 * them: what skydag uses replaces a value left over from an Airflow installation.
 */
export function useLocalAirflowPaths(home: string, dagsFolder: string): void {
  Object.assign(process.env, localAirflowPaths(home, dagsFolder));
}
