import type { TaskLogHandle } from './deps.js';
import { TaskFailedError } from '../executors/types.js';
import { createTryMasker, maskedTaskLog, redactError } from './try-secrets.js';

function recordingLog(): TaskLogHandle & { text: string; closed: boolean } {
  const log = {
    text: '',
    closed: false,
    write(t: string) {
      log.text += t;
    },
    info(m: string) {
      log.text += `INFO ${m}\n`;
    },
    async close() {
      log.closed = true;
    },
  };
  return log;
}

describe('a try masker', () => {
  it('starts with the conf values under sensitive keys', () => {
    const masker = createTryMasker({ conf: { api_key: 'conf-key-1', region: 'eu-west-1' } });
    expect(masker.redactText('conf-key-1 eu-west-1')).toBe('*** eu-west-1');
  });
});

describe('the masked task log', () => {
  it('redacts task output as it is written, a secret split across writes included, and skydag lines', async () => {
    const masker = createTryMasker({ conf: {} });
    masker.addMask('Log-Secret-77');
    const sink = recordingLog();
    const log = maskedTaskLog(sink, masker);
    log.write('out: Log-Sec');
    expect(sink.text).toBe('out: ');
    log.write('ret-77\nmore Log-');
    log.info('skydag saw Log-Secret-77');
    log.write('tail');
    await log.close();
    // The held-back "Log-" is written before the skydag line, so the order is kept.
    expect(sink.text).toBe('out: ***\nmore Log-INFO skydag saw ***\ntail');
    expect(sink.closed).toBe(true);
  });

  it('writes nothing extra when no secret is registered', () => {
    const sink = recordingLog();
    const log = maskedTaskLog(sink, createTryMasker({ conf: {} }));
    log.write('a');
    log.write('b\n');
    expect(sink.text).toBe('ab\n');
  });
});

describe('redactError', () => {
  it('masks the message and the stack, keeping the error class (retry decisions depend on it)', () => {
    const masker = createTryMasker({ conf: { password: 'Err-Secret-1' } });
    const error = redactError(new TaskFailedError('login failed for Err-Secret-1'), masker);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.name).toBe('Skydag.TaskFailed');
    expect(error.message).toBe('login failed for ***');
    expect(error.stack).not.toContain('Err-Secret-1');
  });
});
