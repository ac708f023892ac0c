/**
 * Runs DynamoDB Local (the reference DynamoDB for the contract tests) from the jar that
 * `node scripts/dynamodb-local.mjs` fetches into `.cache/dynamodb-local/emulator/`: one JVM per test
 * file, in memory, on a free port of 127.0.0.1, stopped after the suite.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../helpers/free-port.js';
import { join } from 'node:path';
import type { Requirement } from '../helpers/optional-suites.js';

export const DYNAMODB_LOCAL_DIR = join(__dirname, '..', '..', '.cache', 'dynamodb-local', 'emulator');
export const DYNAMODB_LOCAL_JAR = join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar');
export const FETCH_COMMAND = 'node scripts/dynamodb-local.mjs';

/** Whether the DynamoDB Local suites can run: Java and the jar (which `npm test`'s pretest fetches). */
export function dynamoDBLocalRequirement(): Requirement {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) {
    return { met: false, missing: 'Java is not installed', install: 'apt-get install openjdk-17-jre-headless' };
  }
  if (!existsSync(DYNAMODB_LOCAL_JAR)) {
    return { met: false, missing: `DynamoDB Local is missing (${DYNAMODB_LOCAL_JAR})`, install: FETCH_COMMAND };
  }
  return { met: true };
}

export interface DynamoDBLocal {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDynamoDBLocal(options: { timeoutMs?: number } = {}): Promise<DynamoDBLocal> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freePort();
  const child: ChildProcess = spawn(
    'java',
    [`-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal_lib')}`, '-jar', DYNAMODB_LOCAL_JAR, '-inMemory', '-disableTelemetry', '-sharedDb', '-port', String(port)],
    { cwd: DYNAMODB_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited: string | undefined;
  child.once('error', (error) => (exited = `could not run java (Java 17 is needed): ${error.message}`));
  child.once('exit', (code, signal) => (exited ??= `java exited (${signal ?? code})`));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const stop = async () => {
    client.destroy();
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local did not start: ${exited}\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      return { endpoint, client, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms\n${output}`);
      }
      await sleep(100);
    }
  }
}
