/**
 * The variables DAG files read at parse time when a command reads the folder without running it
 * (`dags list`, `dags compile`), as `dags test` would give them: the environment (AIRFLOW_VAR_<KEY>)
 * first, then the store of $SKYDAG_HOME when it has one (opened at the first key the environment
 * lacks, through the running platform when `skydag dev` has it open). Nothing is created.
 */
import { existsSync } from 'node:fs';
import type { VariableStore } from '../../shared/runtime/handlers/deps.js';
import type { VariableLookup } from '../parse-time-variables.js';
import { EnvVariableStore } from '../stores/env-secrets.js';

export interface HomeVariables {
  lookup: VariableLookup;
  /** Closes the store if a lookup opened it. */
  close(): Promise<void>;
}

export function homeVariables(home: string | undefined, env: NodeJS.ProcessEnv = process.env): HomeVariables {
  const fromEnv = new EnvVariableStore(env);
  let opened: Promise<{ variables: VariableStore; close: () => Promise<void> }> | undefined;
  const openStore = async () => {
    const [{ embeddedDynamoDir, openLocalStore }, { loadLocalSecrets }, { storeVariables }] = await Promise.all([
      import('../stores/embedded-dynamodb.js'),
      import('../http/secret-key.js'),
      import('../../shared/api/secrets/records.js'),
    ]);
    if (home === undefined || !existsSync(embeddedDynamoDir(home))) return { variables: { get: async () => undefined, set: async () => undefined }, close: async () => undefined };
    const local = await openLocalStore(home);
    return { variables: storeVariables(local.store, loadLocalSecrets(home, env).cipher), close: local.close };
  };
  return {
    lookup: async (key) => {
      const value = await fromEnv.get(key);
      if (value !== undefined || home === undefined) return value;
      opened ??= openStore();
      return (await opened).variables.get(key);
    },
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
