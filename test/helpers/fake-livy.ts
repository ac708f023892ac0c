/**
 * A fake Apache Livy server (node:http) following Livy's batch REST API, for tests:
 * - `POST /batches` (JSON body; refused with 400 without `X-Requested-By`, as Livy does with CSRF
 *   protection on; 401 when credentials are configured and not given) → 201 with the batch;
 * - `GET /batches/{id}` and `GET /batches/{id}/state` → the batch / `{id, state}`; each state read
 *   moves the batch one step along its script;
 * - `GET /batches/{id}/log?from=&size=` → `{id, from, total, log}` with Livy's defaults (size 100;
 *   without `from`, the last `size` lines);
 * - `DELETE /batches/{id}` → `{msg: "deleted"}`; the batch is gone afterwards (404).
 * Every request is recorded. `script(body, n)` decides the n-th batch's states and log lines.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LivyScript {
  /** States returned by successive state reads; the last one repeats. */
  states: string[];
  log: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeLivy {
  url: string;
  requests: RecordedRequest[];
  batches(): { id: number; body: Record<string, unknown>; deleted: boolean }[];
  close(): Promise<void>;
}

export async function startFakeLivy(script: (body: Record<string, unknown>, n: number) => LivyScript, options: { username?: string; password?: string } = {}): Promise<FakeLivy> {
  const requests: RecordedRequest[] = [];
  const batches: { id: number; body: Record<string, unknown>; script: LivyScript; reads: number; deleted: boolean }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://livy');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, headers: req.headers, body });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (options.username !== undefined) {
        const expected = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return send(401, { msg: 'Unauthorized' });
      }
      const view = (b: (typeof batches)[number]) => ({ id: b.id, name: b.body.name ?? null, owner: null, proxyUser: b.body.proxyUser ?? null, state: b.script.states[Math.min(b.reads, b.script.states.length - 1)], appId: null, appInfo: { driverLogUrl: null, sparkUiUrl: null }, log: [] });
      if (req.method === 'POST' && url.pathname === '/batches') {
        if (!req.headers['x-requested-by']) return send(400, 'Missing Required Header for CSRF protection.');
        if (typeof body !== 'object' || body === null || typeof (body as { file?: unknown }).file !== 'string') return send(400, { msg: 'Rejected, Reason: file is required' });
        const batch = { id: batches.length, body: body as Record<string, unknown>, script: script(body as Record<string, unknown>, batches.length), reads: 0, deleted: false };
        batches.push(batch);
        return send(201, { ...view(batch), state: 'starting' });
      }
      const match = /^\/batches\/(\d+)(\/state|\/log)?$/.exec(url.pathname);
      const batch = match ? batches[Number(match[1])] : undefined;
      if (!match || !batch || batch.deleted) return send(404, { msg: `Session '${match?.[1] ?? ''}' not found.` });
      if (req.method === 'DELETE' && !match[2]) {
        if (!req.headers['x-requested-by']) return send(400, 'Missing Required Header for CSRF protection.');
        batch.deleted = true;
        return send(200, { msg: 'deleted' });
      }
      if (req.method !== 'GET') return send(405, { msg: 'Method not allowed' });
      if (match[2] === '/state') {
        const state = batch.script.states[Math.min(batch.reads, batch.script.states.length - 1)];
        batch.reads++;
        return send(200, { id: batch.id, state });
      }
      if (match[2] === '/log') {
        // Livy shows the lines written so far: one more line per state read, all of them once the batch ended.
        const finished = batch.reads >= batch.script.states.length;
        const lines = finished ? batch.script.log : batch.script.log.slice(0, batch.reads);
        const size = Number(url.searchParams.get('size') ?? 100);
        const from = url.searchParams.has('from') ? Number(url.searchParams.get('from')) : Math.max(0, lines.length - size);
        return send(200, { id: batch.id, from, total: lines.length, log: lines.slice(from, from + size) });
      }
      return send(200, view(batch));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    batches: () => batches.map((b) => ({ id: b.id, body: b.body, deleted: b.deleted })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
