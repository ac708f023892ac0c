import { mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTaskLogs, taskLogPath } from './file-logs.js';

describe('FileTaskLogs', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'skydag-file-logs-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes the folder again when it was removed under a running try, and keeps writing', async () => {
    const logs = new FileTaskLogs(join(root, 'logs'), () => new Date('2024-01-01T00:00:00Z'));
    const handle = logs.open('d', 'r', 't', 1);
    handle.write('one\n');
    await handle.ready;
    expect(readFileSync(taskLogPath(join(root, 'logs'), 'd', 'r', 't', 1), 'utf8')).toBe('one\n');
    rmSync(join(root, 'logs'), { recursive: true });
    expect(() => handle.write('two\n')).not.toThrow();
    expect(readFileSync(taskLogPath(join(root, 'logs'), 'd', 'r', 't', 1), 'utf8')).toBe('two\n');
  });

  it('a log that cannot be written loses its lines and says so once, without throwing into the task output handler', async () => {
    const lost: string[] = [];
    const echoed: string[] = [];
    const logs = new FileTaskLogs(join(root, 'elsewhere'), undefined, (text) => echoed.push(text), (path, error) => lost.push(`${path}: ${error.message}`));
    const first = logs.open('d', 'r', 't', 1);
    first.write('kept\n');
    await first.close();
    // A file where the logs folder was: nothing can be made below it.
    rmSync(join(root, 'elsewhere'), { recursive: true });
    writeFileSync(join(root, 'elsewhere'), 'now a file');
    const handle = logs.open('d', 'r', 't', 1);
    expect(() => handle.write('a\n')).not.toThrow();
    await handle.ready;
    expect(() => handle.info('b')).not.toThrow();
    await expect(handle.close()).resolves.toBeUndefined();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toContain('attempt=1.log');
    expect(echoed).toEqual(['kept\n', 'a\n', expect.stringContaining('{skydag} INFO - b')]);
  });

  it('opens the file off the event loop, keeping the lines written meanwhile in order, and keeps it open to close(); a line after close() is still written, without keeping it open', async () => {
    const file = taskLogPath(join(root, 'logs'), 'd', 'r', 't', 1);
    // This process's descriptors open on the log file (others of the test process come and go meanwhile).
    const openOnLog = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === realpathSync(file);
        } catch {
          return false; // closed while listed
        }
      }).length;
    const logs = new FileTaskLogs(join(root, 'logs'), () => new Date('2024-01-01T00:00:00Z'));
    const handle = logs.open('d', 'r', 't', 1);
    handle.write('one\n');
    handle.info('two');
    await handle.ready;
    expect(openOnLog()).toBe(1);
    await handle.close();
    expect(openOnLog()).toBe(0);
    handle.write('late\n');
    expect(openOnLog()).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('one\n[2024-01-01T00:00:00.000Z] {skydag} INFO - two\nlate\n');
  });
});
