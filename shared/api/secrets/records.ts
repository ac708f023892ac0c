/**
 * Reading and writing variables and connections through the store with their secrets encrypted:
 * variable values, connection passwords and connection extras. The same functions back the REST API
 * and the runtime's VariableStore/ConnectionStore ports (so `{{ var.value.x }}` and hooks see the
 * decrypted values), which the composition root wires with {@link storeVariables} and
 * {@link storeConnections}.
 */
import type { ConnectionRecord, VariableRecord } from '../../model/records.js';
import type { Connection } from '../../runtime/executors/types.js';
import type { ConnectionStore, VariableStore } from '../../runtime/handlers/deps.js';
import type { ConfigStore } from '../../stores/metadata.js';
import type { SecretCipher } from './cipher.js';

export const variableContext = (key: string) => `variable:${key}`;
export const connectionContext = (connId: string, field: 'password' | 'extra') => `connection:${connId}:${field}`;

export function encryptVariable(cipher: SecretCipher, key: string, value: string, description: string | null): VariableRecord {
  return { key, value: cipher.encrypt(value, variableContext(key)), encrypted: true, description };
}

export function variableValue(cipher: SecretCipher, record: VariableRecord): string {
  return record.encrypted ? cipher.decrypt(record.value, variableContext(record.key)) : record.value;
}

/** A connection with its secrets in clear (only ever held in memory). */
export interface PlainConnection {
  conn_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  /** JSON text. */
  extra: string | null;
}

export function encryptConnection(cipher: SecretCipher, c: PlainConnection): ConnectionRecord {
  return {
    ...c,
    password: c.password === null ? null : cipher.encrypt(c.password, connectionContext(c.conn_id, 'password')),
    extra: c.extra === null ? null : cipher.encrypt(c.extra, connectionContext(c.conn_id, 'extra')),
    encrypted: true,
  };
}

export function decryptConnection(cipher: SecretCipher, r: ConnectionRecord): PlainConnection {
  const open = (value: string | null, field: 'password' | 'extra') =>
    value === null || !r.encrypted ? value : cipher.decrypt(value, connectionContext(r.conn_id, field));
  return {
    conn_id: r.conn_id,
    conn_type: r.conn_type,
    description: r.description,
    host: r.host,
    schema: r.schema,
    login: r.login,
    password: open(r.password, 'password'),
    port: r.port,
    extra: open(r.extra, 'extra'),
  };
}

/** The runtime's variable port over the metadata store (decrypting; `Variable.set` from tasks encrypts). */
export function storeVariables(store: ConfigStore, cipher: SecretCipher): VariableStore {
  return {
    async get(key) {
      const record = await store.getVariable(key);
      return record && variableValue(cipher, record);
    },
    async set(key, value) {
      const existing = await store.getVariable(key);
      await store.putVariable(encryptVariable(cipher, key, value, existing?.description ?? null));
    },
  };
}

/** The runtime's connection port over the metadata store (decrypting; extras parsed from JSON). */
export function storeConnections(store: ConfigStore, cipher: SecretCipher): ConnectionStore {
  return {
    async get(connId): Promise<Connection | undefined> {
      const record = await store.getConnection(connId);
      if (!record) return undefined;
      const c = decryptConnection(cipher, record);
      let extra: Record<string, unknown> = {};
      if (c.extra) {
        try {
          const parsed: unknown = JSON.parse(c.extra);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) extra = parsed as Record<string, unknown>;
        } catch {
          extra = {};
        }
      }
      return { conn_id: c.conn_id, conn_type: c.conn_type, host: c.host, schema: c.schema, login: c.login, password: c.password, port: c.port, extra };
    },
  };
}
