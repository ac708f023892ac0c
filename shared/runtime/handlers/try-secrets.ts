/**
 * The secrets of one task try (Airflow's secrets masker, per try): a SecretsMasker seeded with the
 * run's conf, which the try's services feed with every variable and connection it reads (templates and
 * the Python runner's RPC alike, see execution-request.ts), and the try's log with everything written
 * to it redacted as it is written — before it reaches any sink (a file locally, S3 in the cloud).
 */
import type { DagRunRecord } from '../../model/records.js';
import { SecretsMasker } from '../../secrets/masker.js';
import type { TaskLogHandle } from './deps.js';

/** A try's masker: conf values under sensitive keys are secrets from the start. */
export function createTryMasker(run: Pick<DagRunRecord, 'conf'>): SecretsMasker {
  const masker = new SecretsMasker();
  masker.addMask(run.conf);
  return masker;
}

/**
 * The log handle with every write redacted. Task output (`write`) streams through a redactor, so a
 * secret split across chunks is still caught; skydag's own lines (`info`) first flush what the stream
 * holds back, so the order of the log is kept.
 */
export function maskedTaskLog(handle: TaskLogHandle, masker: SecretsMasker): TaskLogHandle {
  const stream = masker.stream();
  const drain = () => {
    const rest = stream.flush();
    if (rest) handle.write(rest);
  };
  return {
    write(text) {
      const out = stream.push(text);
      if (out) handle.write(out);
    },
    info(message) {
      drain();
      handle.info(masker.redactText(message));
    },
    async close() {
      drain();
      await handle.close();
    },
  };
}

/** The error a try ends with, its message (and stack) redacted: it travels to the engine, the fail handler, alert emails and callbacks. */
export function redactError(error: Error, masker: SecretsMasker): Error {
  error.message = masker.redactText(error.message);
  if (error.stack) error.stack = masker.redactText(error.stack);
  return error;
}
