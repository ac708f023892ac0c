/**
 * The running platform's RunController, reachable by the command-line tools of the same state folder.
 *
 * A CLI command that changes runs while `skydag dev` holds the store (`dags state`-style marks, `tasks
 * clear`, `dags delete`, ...) writes through the platform's store endpoint, but the executions in flight
 * live in the platform's process: without telling it, a run marked failed from the CLI kept running its
 * tasks, and a cleared run waited for the next scheduler pass. So the platform serves its controller on
 * a loopback port with a random key, written with the URL to `$SKYDAG_HOME/run-control.json` (0600, in the
 * private state folder, like the store endpoint file), and the CLI's API calls it after the write.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunController } from '../../shared/api/ports.js';
import type { DagRunRecord } from '../../shared/model/records.js';

export const RUN_CONTROL_FILE = 'run-control.json';

type Action = 'restart' | 'stop' | 'tasks-changed';
const ACTIONS: readonly Action[] = ['restart', 'stop', 'tasks-changed'];

interface ControlRequest {
  dag_id: string;
  run_id: string;
  task_ids?: string[];
}

interface ControlFile {
  url: string;
  key: string;
}

/** A request body of at most 64 KiB (a run key and task ids). */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 65_536) throw new Error('request too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseRequest(text: string): ControlRequest | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body.dag_id !== 'string' || typeof body.run_id !== 'string') return undefined;
    const taskIds = body.task_ids;
    if (taskIds !== undefined && !(Array.isArray(taskIds) && taskIds.every((id) => typeof id === 'string'))) return undefined;
    return { dag_id: body.dag_id, run_id: body.run_id, ...(taskIds ? { task_ids: taskIds as string[] } : {}) };
  } catch {
    return undefined;
  }
}

function keyMatches(header: string | undefined, key: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface RunControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `controller` for the state folder `home`: POST /runs/{restart|stop|tasks-changed} with
 * `{dag_id, run_id, task_ids?}`; the run is read from the store (its state as the CLI left it).
 */
export async function serveRunControl(home: string, controller: RunController, getRun: (dagId: string, runId: string) => Promise<DagRunRecord | undefined>, log: (line: string) => void): Promise<RunControlServer> {
  const key = randomBytes(32).toString('hex');
  const server = createServer((req, res) => {
    const answer = (status: number, message?: string) => {
      res.writeHead(status, message ? { 'content-type': 'text/plain; charset=utf-8' } : {});
      res.end(message);
    };
    const action = /^\/runs\/([a-z-]+)$/.exec(req.url ?? '')?.[1] as Action | undefined;
    if (req.method !== 'POST' || !action || !ACTIONS.includes(action)) return answer(404, 'not found');
    if (!keyMatches(req.headers.authorization, key)) return answer(401, 'wrong key');
    void (async () => {
      const request = parseRequest(await readBody(req));
      if (!request) return answer(400, 'expected {"dag_id", "run_id", "task_ids"?}');
      const run = await getRun(request.dag_id, request.run_id);
      if (!run) return answer(404, `no run ${request.run_id} of DAG ${request.dag_id}`);
      if (action === 'restart') await controller.restart(run);
      else if (action === 'stop') await controller.stop(run);
      else await controller.tasksChanged(run, request.task_ids ?? []);
      answer(204);
    })().catch((error: unknown) => {
      log(`skydag: a command-line request to ${action} a run failed: ${(error as Error).message}`);
      if (!res.headersSent) answer(500, (error as Error).message);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = join(home, RUN_CONTROL_FILE);
  await writeFile(file, JSON.stringify({ url, key } satisfies ControlFile), { mode: 0o600 });
  return {
    url,
    async close() {
      // Only our own file: a newer platform of the same folder may have written its own since.
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current.includes(key)) await unlink(file).catch(() => undefined);
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
    },
  };
}

/**
 * The controller a command-line tool uses while the platform of `home` holds the store: each call is
 * sent to that platform. The store write it follows has happened already, so a platform that cannot
 * be reached is reported through `warn` (it picks the change up at its next start) rather than thrown.
 */
export function platformRunController(home: string, warn: (line: string) => void, fetchImpl: typeof fetch = fetch): RunController {
  const send = async (action: Action, run: DagRunRecord, taskIds?: readonly string[]) => {
    try {
      const control = JSON.parse(await readFile(join(home, RUN_CONTROL_FILE), 'utf8')) as ControlFile;
      const response = await fetchImpl(`${control.url}/runs/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${control.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dag_id: run.dag_id, run_id: run.run_id, ...(taskIds ? { task_ids: taskIds } : {}) }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 204) throw new Error(`it answered ${response.status} ${(await response.text()).slice(0, 200)}`);
    } catch (error) {
      const what = action === 'stop' ? 'stop its execution' : action === 'restart' ? 'run it again' : 're-evaluate its tasks';
      const when = action === 'stop' ? 'its tasks go on until skydag dev restarts' : 'skydag dev picks it up at its next scheduler pass';
      warn(`skydag: warning: the change is stored, but the running skydag dev could not be told to ${what} for run ${run.run_id} of ${run.dag_id} (${(error as Error).message}); ${when}`);
    }
  };
  return {
    restart: (run) => send('restart', run),
    stop: (run) => send('stop', run),
    tasksChanged: (run, taskIds) => send('tasks-changed', run, taskIds),
  };
}
