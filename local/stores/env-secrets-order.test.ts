import type { Connection } from '../../shared/runtime/executors/types.js';
import { environmentThenStore } from './env-secrets.js';

it("looks variables and connections up as Airflow's CLI does: the environment first, then the store; writes go to the store", async () => {
  const stored = new Map<string, string>([['region', 'from-store'], ['only_stored', 's']]);
  const conn = (conn_id: string, host: string): Connection => ({ conn_id, conn_type: 'http', host, schema: null, login: null, password: null, port: null, extra: {} });
  const secrets = environmentThenStore(
    { variables: { get: async (k) => stored.get(k), set: async (k, v) => void stored.set(k, v) }, connections: { get: async (id) => (id === 'api' || id === 'db' ? conn(id, 'stored.example') : undefined) } },
    { AIRFLOW_VAR_REGION: 'from-env', AIRFLOW_CONN_API: 'http://env.example:8080' },
  );
  expect(await secrets.variables.get('region')).toBe('from-env');
  expect(await secrets.variables.get('only_stored')).toBe('s');
  expect(await secrets.variables.get('nowhere')).toBeUndefined();
  await secrets.variables.set('new', 'v');
  expect(stored.get('new')).toBe('v');
  expect(await secrets.connections.get('api')).toMatchObject({ host: 'env.example', port: 8080 });
  expect(await secrets.connections.get('db')).toMatchObject({ host: 'stored.example' });
  expect(await secrets.connections.get('nowhere')).toBeUndefined();
});
