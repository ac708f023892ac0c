/** The local master key: SKYDAG_SECRET_KEY, or $SKYDAG_HOME/secret.key created 0600 once and reused. */
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLocalSecrets, loadOrCreateMasterKey } from './secret-key.js';

describe('local secret key', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-key-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('creates secret.key with mode 0600 on first start and reuses it afterwards', () => {
    const first = loadOrCreateMasterKey(join(home, 'state'), {});
    expect(first.source).toBe('created');
    const path = join(home, 'state', 'secret.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateMasterKey(join(home, 'state'), {});
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
    // Values encrypted before a restart decrypt after it; tokens keep their signing key.
    const a = loadLocalSecrets(join(home, 'state'), {});
    const b = loadLocalSecrets(join(home, 'state'), {});
    expect(b.cipher.decrypt(a.cipher.encrypt('v', 'ctx'), 'ctx')).toBe('v');
    expect(a.jwtSecret.equals(b.jwtSecret)).toBe(true);
    expect(readFileSync(path, 'utf8')).not.toContain(a.jwtSecret.toString('base64'));
  });

  it('tightens loose permissions on an existing key file', () => {
    loadOrCreateMasterKey(home, {});
    chmodSync(join(home, 'secret.key'), 0o644);
    loadOrCreateMasterKey(home, {});
    expect(statSync(join(home, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('prefers SKYDAG_SECRET_KEY and writes no file; bad keys fail with a clear message', () => {
    const env = { SKYDAG_SECRET_KEY: 'ab'.repeat(32) };
    const fromEnv = loadOrCreateMasterKey(home, env);
    expect(fromEnv.source).toBe('env');
    expect(fromEnv.key.toString('hex')).toBe('ab'.repeat(32));
    expect(() => statSync(join(home, 'secret.key'))).toThrow();
    expect(() => loadOrCreateMasterKey(home, { SKYDAG_SECRET_KEY: 'short' })).toThrow(/SKYDAG_SECRET_KEY: the secret key must be 32 bytes/);
    writeFileSync(join(home, 'secret.key'), 'garbage', { mode: 0o600 });
    expect(() => loadOrCreateMasterKey(home, {})).toThrow(/secret\.key: the secret key must be 32 bytes/);
  });
});
