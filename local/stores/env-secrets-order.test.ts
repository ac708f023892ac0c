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

it("reads AIRFLOW_CONN_* in Airflow 2.3's JSON form too (extra as an object or a JSON string), and says which variable is not JSON", async () => {
  const secrets = environmentThenStore(
    { variables: { get: async () => undefined, set: async () => undefined }, connections: { get: async () => undefined } },
    {
      AIRFLOW_CONN_SLACK: '{"conn_type": "slack", "password": "xoxb-1", "extra": {"base_url": "http://x/api/"}}',
      AIRFLOW_CONN_PG: '{"conn_type": "postgres", "host": "db", "port": "5433", "login": "u", "schema": "s", "extra": "{\\"sslmode\\": \\"require\\"}"}',
      AIRFLOW_CONN_BAD: '{"conn_type": ',
    },
  );
  expect(await secrets.connections.get('slack')).toEqual({ conn_id: 'slack', conn_type: 'slack', host: null, schema: null, login: null, password: 'xoxb-1', port: null, extra: { base_url: 'http://x/api/' } });
  expect(await secrets.connections.get('pg')).toMatchObject({ host: 'db', port: 5433, login: 'u', schema: 's', extra: { sslmode: 'require' } });
  await expect(secrets.connections.get('bad')).rejects.toThrow('AIRFLOW_CONN_BAD is not valid JSON');
});
