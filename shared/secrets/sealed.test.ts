import { randomBytes } from 'node:crypto';
import { AesGcmCipher, SecretDecryptionError } from '../api/secrets/cipher.js';
import { DEFAULT_SENSITIVE_FIELDS, SecretsMasker } from './masker.js';
import { confSealContext, openRunConf, openXComValue, sealRunConf, sealXComValue, xcomSealContext } from './sealed.js';

const cipher = new AesGcmCipher(randomBytes(32));
const masker = () => new SecretsMasker({ sensitiveFields: DEFAULT_SENSITIVE_FIELDS, minLength: 5 });
const xcom = { dag_id: 'd', run_id: 'r', task_id: 't', map_index: -1, key: 'return_value' };

describe('sealed XCom values', () => {
  it('a value without the try secrets is stored as it is', () => {
    const m = masker();
    m.addMask('pushed-secret');
    expect(sealXComValue(cipher, m, { rows: 3, note: 'fine' }, xcomSealContext(xcom))).toEqual({ value: { rows: 3, note: 'fine' } });
  });

  it('a value with secrets is stored masked; the reader gets the real value and masks its secrets from then on', () => {
    const pusher = masker();
    pusher.addMask('pushed-secret');
    const value = { dsn: 'postgres://u:pushed-secret@h', creds: { password: 'by-key-pass' }, n: 1 };
    const stored = sealXComValue(cipher, pusher, value, xcomSealContext(xcom));
    expect(stored.value).toEqual({ dsn: 'postgres://u:***@h', creds: { password: '***' }, n: 1 });
    expect(stored.sealed_value).toMatch(/^enc:v1:/);
    expect(stored.sealed_value).not.toContain('pushed-secret');

    const reader = masker();
    expect(openXComValue(cipher, reader, stored.sealed_value!, xcomSealContext(xcom))).toEqual(value);
    expect(reader.redactText('echo pushed-secret by-key-pass')).toBe('echo *** ***');
  });

  it('a sealed value does not open on another record', () => {
    const m = masker();
    m.addMask('pushed-secret');
    const { sealed_value } = sealXComValue(cipher, m, 'pushed-secret', xcomSealContext(xcom));
    expect(() => openXComValue(cipher, masker(), sealed_value!, xcomSealContext({ ...xcom, task_id: 'other' }))).toThrow(SecretDecryptionError);
  });
});

describe('sealed run conf', () => {
  const run = { dag_id: 'd', run_id: 'manual__1' };

  it('a conf with sensitive keys is masked and sealed; the runtime opens it', () => {
    const conf = { api_key: 'conf-key-1', nested: { token: 'tk-1' }, region: 'eu' };
    const stored = sealRunConf(cipher, conf, confSealContext(run));
    expect(stored.conf).toEqual({ api_key: '***', nested: { token: '***' }, region: 'eu' });
    expect(openRunConf(cipher, { ...run, ...stored }, confSealContext(run))).toEqual(conf);
    expect(() => openRunConf(cipher, { ...run, ...stored }, confSealContext({ ...run, run_id: 'other' }))).toThrow(SecretDecryptionError);
  });

  it('a conf without sensitive keys, or without a cipher, is kept as given', () => {
    expect(sealRunConf(cipher, { region: 'eu' }, confSealContext(run))).toEqual({ conf: { region: 'eu' } });
    expect(sealRunConf(undefined, { api_key: 'k' }, confSealContext(run))).toEqual({ conf: { api_key: 'k' } });
    expect(openRunConf(cipher, { conf: { region: 'eu' } }, confSealContext(run))).toEqual({ region: 'eu' });
  });
});
