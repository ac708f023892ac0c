/**
 * No secret ever leaves: a session that writes every kind of secret (variable values of sensitive
 * keys, connection passwords and extras, user passwords, login attempts, sensitive trigger conf,
 * malformed bodies carrying a password) is replayed, and every response body and every audit record
 * is searched for the secret strings. Also the cipher and the runtime adapters.
 */
import { randomBytes } from 'node:crypto';
import { AesGcmCipher, SecretDecryptionError, deriveKey, parseSecretKey } from './secrets/cipher.js';
import { confSealContext, openRunConf } from '../secrets/sealed.js';
import { storeConnections, storeVariables } from './secrets/records.js';
import { PASSWORD, USERS, call, createHarness } from './test-support.js';

const SECRETS = [
  'Var-S3cr3t-value',
  'Conn-Pa55word-xyz',
  'Extra-Api-Key-123',
  'Extra-Opaque-Blob',
  'User-Pa55word-abc',
  'Login-Guess-Pa55',
  'Conf-Token-999',
  'Malformed-Pa55word',
  'Patched-Conn-Pw',
];

describe('secrets never appear in responses or the audit log', () => {
  it('across a whole session of secret-bearing requests', async () => {
    const h = await createHarness();
    const responses: string[] = [];
    const send = async (method: string, path: string, options: Parameters<typeof call>[3]) => {
      const res = await call(h, method, path, options);
      responses.push(res.text);
      return res;
    };
    const op = h.tokens.Op;
    const admin = h.tokens.Admin;
    await send('POST', '/api/v1/variables', { token: op, body: { key: 'warehouse_password', value: SECRETS[0] } });
    await send('PATCH', '/api/v1/variables/warehouse_password', { token: op, body: { key: 'warehouse_password', value: SECRETS[0] } });
    await send('GET', '/api/v1/variables/warehouse_password', { token: op });
    await send('GET', '/api/v1/variables', { token: op });
    await send('POST', '/api/v1/connections', {
      token: op,
      body: { connection_id: 'wh', conn_type: 'postgres', password: SECRETS[1], extra: JSON.stringify({ api_key: SECRETS[2], region: 'eu' }) },
    });
    await send('POST', '/api/v1/connections', { token: op, body: { connection_id: 'blob', conn_type: 'generic', extra: SECRETS[3] } });
    await send('POST', '/api/v1/connections', { token: op, body: { connection_id: 'blob', conn_type: 'generic', extra: JSON.stringify({ private_key: SECRETS[3], region: 'eu' }) } });
    await send('PATCH', '/api/v1/connections/wh?update_mask=password', { token: op, body: { connection_id: 'wh', conn_type: 'postgres', password: SECRETS[8] } });
    await send('GET', '/api/v1/connections/wh', { token: op });
    await send('GET', '/api/v1/connections', { token: op });
    await send('POST', '/api/v1/users', { token: admin, body: { username: 'sam', email: 'sam@example.com', roles: [{ name: 'User' }], password: SECRETS[4] } });
    await send('PATCH', '/api/v1/users/sam?update_mask=password', { token: admin, body: { password: SECRETS[4] } });
    await send('GET', '/api/v1/users/sam', { token: admin });
    await send('POST', '/api/v1/auth/login', { body: { username: 'sam', password: SECRETS[4] } });
    await send('POST', '/api/v1/auth/login', { body: { username: 'sam', password: SECRETS[5] } });
    await send('POST', '/api/v1/auth/login', { basic: ['sam', SECRETS[5]!], body: { username: USERS.Viewer, password: PASSWORD } });
    await send('GET', '/api/v1/dags', { basic: ['sam', SECRETS[4]!] });
    await send('POST', '/api/v1/dags/etl/dagRuns', { token: h.tokens.User, body: { dag_run_id: 'with_secret', conf: { api_token: SECRETS[6], nested: { password: SECRETS[6] } } } });
    await send('GET', '/api/v1/dags/etl/dagRuns/with_secret', { token: h.tokens.User });
    await send('GET', '/api/v1/dags/~/dagRuns', { token: h.tokens.User });
    await send('POST', '/api/v1/variables', { token: op, rawBody: `{"key": "x", "password": "${SECRETS[7]}"`, headers: { 'content-type': 'application/json' } });
    await send('POST', '/api/v1/variables', { token: op, body: { key: 'x', password: SECRETS[7] } });
    await send('POST', '/api/v1/connections', { token: h.tokens.Viewer, body: { connection_id: 'denied', conn_type: 'x', password: SECRETS[1] } });
    await send('GET', '/api/v1/eventLogs?limit=100', { token: admin });

    const audit = (await h.store.listAuditLog()).items;
    expect(audit.length).toBeGreaterThanOrEqual(14);
    const haystacks = [...responses, ...audit.map((a) => JSON.stringify(a))];
    for (const secret of SECRETS) {
      for (const text of haystacks) expect(text).not.toContain(secret);
    }
    // The records are there, just masked.
    const created = audit.find((a) => a.event === 'connection.create' && a.extra?.includes('"wh"'))!;
    expect(JSON.parse(created.extra!).body).toMatchObject({ connection_id: 'wh', password: '***', extra: '***' });
    const trigger = audit.find((a) => a.event === 'trigger')!;
    expect(JSON.parse(trigger.extra!).body.conf).toEqual({ api_token: '***', nested: { password: '***' } });
    // ...while the run keeps the real conf sealed for its tasks, and only the masked one in clear.
    const run = (await h.store.getDagRun('etl', 'with_secret'))!;
    expect(run.conf).toEqual({ api_token: '***', nested: { password: '***' } });
    expect(openRunConf(h.cipher, run, confSealContext(run)).api_token).toBe(SECRETS[6]);
    // ...and stored secrets are encrypted, not in clear.
    const stored = JSON.stringify([await h.store.listVariables(), await h.store.listConnections(), await h.store.listUsers(), await h.store.listDagRuns('etl')]);
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
  });
});

describe('SecretCipher (AES-256-GCM)', () => {
  it('round-trips, uses a fresh IV each time, binds the context and detects tampering', () => {
    const cipher = new AesGcmCipher(randomBytes(32));
    const a = cipher.encrypt('value', 'variable:k');
    const b = cipher.encrypt('value', 'variable:k');
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a, 'variable:k')).toBe('value');
    expect(() => cipher.decrypt(a, 'variable:other')).toThrow(SecretDecryptionError);
    const parts = a.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join(':'), 'variable:k')).toThrow(SecretDecryptionError);
    expect(() => new AesGcmCipher(randomBytes(32)).decrypt(a, 'variable:k')).toThrow(/wrong secret key/);
    expect(() => new AesGcmCipher(randomBytes(16))).toThrow(/exactly 32 bytes/);
  });

  it('parses keys as hex or base64 and derives independent sub-keys', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(`${key.toString('base64')}\n`).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64url')).equals(key)).toBe(true);
    expect(() => parseSecretKey('too-short')).toThrow(/32 bytes/);
    expect(deriveKey(key, 'jwt').equals(deriveKey(key, 'cipher'))).toBe(false);
    expect(deriveKey(key, 'jwt')).toHaveLength(32);
  });
});

describe('runtime adapters', () => {
  it('give tasks the decrypted variables and connections written through the API', async () => {
    const h = await createHarness();
    await call(h, 'POST', '/api/v1/variables', { token: h.tokens.Op, body: { key: 'api_secret', value: 's3' } });
    await call(h, 'POST', '/api/v1/connections', { token: h.tokens.Op, body: { connection_id: 'svc', conn_type: 'http', host: 'h', password: 'pw', extra: '{"timeout": 5}' } });
    const variables = storeVariables(h.store, h.cipher);
    expect(await variables.get('api_secret')).toBe('s3');
    expect(await variables.get('missing')).toBeUndefined();
    await variables.set('from_task', 'written by a task');
    expect((await h.store.getVariable('from_task'))!.value).toMatch(/^enc:v1:/);
    expect((await call(h, 'GET', '/api/v1/variables/from_task', { token: h.tokens.Op })).json.value).toBe('written by a task');
    const connections = storeConnections(h.store, h.cipher);
    expect(await connections.get('svc')).toEqual({ conn_id: 'svc', conn_type: 'http', host: 'h', schema: null, login: null, password: 'pw', port: null, extra: { timeout: 5 } });
  });
});
