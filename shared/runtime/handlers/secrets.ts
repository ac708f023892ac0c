/**
 * Masking secrets before anything is stored or shown (rendered fields, logs of skydag's own, audit
 * entries). Keys that look sensitive — as Airflow's `DEFAULT_SENSITIVE_FIELDS` — have their values
 * replaced.
 */
const SENSITIVE = ['access_token', 'api_key', 'apikey', 'authorization', 'passphrase', 'passwd', 'password', 'private_key', 'secret', 'token', 'keyfile_dict', 'service_account'];

export function isSensitiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SENSITIVE.some((s) => lower.includes(s));
}

export function maskSecrets(value: unknown, key = ''): unknown {
  if (key && isSensitiveKey(key) && value !== null && value !== undefined && value !== '') return '***';
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}
