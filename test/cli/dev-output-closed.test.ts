/**
 * `skydag dev | tee log`, stopped with Ctrl-C: the terminal's SIGINT reaches tee too, which exits first,
 * so the platform's shutdown writes into a pipe nobody reads. The platform must still stop cleanly:
 * store closed and unlocked, its endpoint file gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTEGRITY_FILE } from '../../local/stores/leveldb-check.js';

const BIN = join(__dirname, '../../bin/skydag.js');

it('stops cleanly on SIGINT after the reader of its output went away', async () => {
  const home = mkdtempSync(join(tmpdir(), 'skydag-dev-epipe-'));
  mkdirSync(join(home, 'dags'));
  try {
    const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--dags-folder', join(home, 'dags')], {
      env: { ...process.env, SKYDAG_HOME: join(home, 'state'), SKYDAG_ADMIN_PASSWORD: 'a-long-enough-password-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => void (err += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    await new Promise<void>((ready, failed) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('skydag: serving on')) ready();
      });
      void exited.then((code) => failed(new Error(`skydag dev exited (${code}) before serving: ${err}`)));
    });
    const dynamo = join(home, 'state', 'dynamodb');
    expect(existsSync(join(dynamo, 'skydag.lock'))).toBe(true);
    child.stdout.destroy(); // the reader is gone: the platform's next line ("stopping") meets a closed pipe
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).not.toMatch(/Error|EPIPE/);
    expect(existsSync(join(dynamo, 'skydag.lock'))).toBe(false);
    expect(existsSync(join(dynamo, 'endpoint'))).toBe(false);
    expect(existsSync(join(dynamo, INTEGRITY_FILE))).toBe(true); // LevelDB was closed, not abandoned
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 60_000);
