/**
 * Values that carry secrets are kept at rest in two parts: the masked value in the record's usual field
 * (what the API, the console and every other reader see) and the real value encrypted beside it
 * (`sealed_*`), which only the runtime opens — a task pulling an XCom, a try reading its run's conf.
 * A reader that knows nothing of sealing therefore shows `***`, never the secret.
 *
 * Used for XCom values that contain a secret the pushing try had seen, and for `dag_run.conf` with
 * sensitive keys. Ciphertexts are bound to their record (the cipher's context), so one copied onto
 * another record does not open.
 */
import type { SecretCipher } from '../api/secrets/cipher.js';
import { redactByKey, type SecretsMasker } from './masker.js';

export const xcomSealContext = (x: { dag_id: string; run_id: string; task_id: string; map_index: number; key: string }) =>
  `xcom:${x.dag_id}:${x.run_id}:${x.task_id}:${x.map_index}:${x.key}`;
export const confSealContext = (run: { dag_id: string; run_id: string }) => `conf:${run.dag_id}:${run.run_id}`;

/** What a sealed value decrypts to: the value and the secrets it carries (to be masked by whoever reads it). */
interface Envelope {
  value: unknown;
  secrets: string[];
}

/**
 * The value to store for an XCom the try pushes: unchanged when it shows none of the try's secrets,
 * else masked, with the real value (and which secrets it carries) sealed.
 */
export function sealXComValue(cipher: SecretCipher, masker: SecretsMasker, value: unknown, context: string): { value: unknown; sealed_value?: string } {
  if (!masker.hides(value)) return { value };
  const envelope: Envelope = { value, secrets: masker.secretsIn(value) };
  return { value: masker.redact(value), sealed_value: cipher.encrypt(JSON.stringify(envelope), context) };
}

/** The real value of a sealed XCom; its secrets are registered with the reading try's masker. */
export function openXComValue(cipher: SecretCipher, masker: SecretsMasker, sealed: string, context: string): unknown {
  const envelope = JSON.parse(cipher.decrypt(sealed, context)) as Envelope;
  for (const secret of envelope.secrets) masker.addMask(secret);
  return envelope.value;
}

/** A run's conf as stored: values under sensitive keys masked, the whole conf sealed beside it. */
export function sealRunConf(cipher: SecretCipher | undefined, conf: Record<string, unknown>, context: string): { conf: Record<string, unknown>; sealed_conf?: string } {
  const masked = redactByKey(conf) as Record<string, unknown>;
  if (!cipher || JSON.stringify(masked) === JSON.stringify(conf)) return { conf };
  return { conf: masked, sealed_conf: cipher.encrypt(JSON.stringify(conf), context) };
}

/** The conf a run's tasks receive. */
export function openRunConf(cipher: SecretCipher, run: { conf: Record<string, unknown>; sealed_conf?: string | null }, context: string): Record<string, unknown> {
  return run.sealed_conf ? (JSON.parse(cipher.decrypt(run.sealed_conf, context)) as Record<string, unknown>) : run.conf;
}
