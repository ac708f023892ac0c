/**
 * Notifiers as callbacks (Airflow 2.6+: `on_failure_callback=send_slack_notification(...)`, lists of
 * callbacks) and `airflow.utils.email.send_email` from a callback, end to end: the Slack Web API and an
 * incoming webhook answered by a local server (request shapes asserted), mail through the platform's
 * transport, a provider notifier skydag does not implement logged without failing anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { LocalRuntime } from '../../local/engine/local-runtime.js';
import { EnvConnectionStore } from '../../local/stores/env-secrets.js';
import { e2eRuntime, runDag, statesAndTries, TempDirs, tryLog, type E2eRun } from './support.js';

const FOLDER = path.join(__dirname, '..', 'fixtures', 'notifiers');
const temp = new TempDirs();
const requests: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
let home: string;
let server: Server;
let runtime: LocalRuntime;
let result: E2eRun;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
      if (req.url?.startsWith('/api/')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true}');
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const connections = new EnvConnectionStore({
    AIRFLOW_CONN_SLACK_API: JSON.stringify({ conn_type: 'slack', password: 'xoxb-not-a-real-token', extra: { base_url: `http://127.0.0.1:${port}/api/` } }),
    AIRFLOW_CONN_SLACK_HOOK: JSON.stringify({ conn_type: 'slackwebhook', host: `http://127.0.0.1:${port}/services`, password: 'T000/B000/XXXX' }),
  });
  home = temp.make('skydag-notifiers-home-');
  runtime = e2eRuntime(temp, FOLDER, { connections, home });
  result = await runDag(runtime, 'notifiers', { logicalDate: new Date('2024-03-05T00:00:00Z') });
}, 120_000);
afterAll(() => {
  server.close();
  runtime.close();
  temp.cleanup();
});

it('runs the tasks as Airflow does: notifications never change a state', () => {
  expect(result.run.state).toBe('failed');
  expect(statesAndTries(result.tasks)).toEqual({ flaky: ['failed', 2], fine: ['success', 1] });
});

it('posts the Slack notifiers with their templates rendered in the callback context', () => {
  const chat = requests.filter((r) => r.path === '/api/chat.postMessage');
  expect(chat.map((r) => r.body.text).sort()).toEqual(['Task flaky of notifiers is failed', 'ok fine']);
  for (const r of chat) expect(r.headers.authorization).toBe('Bearer xoxb-not-a-real-token');
  expect(chat.find((r) => r.body.text === 'ok fine')!.body).toMatchObject({ channel: '#general', username: 'Airflow', attachments: '[]', blocks: '[]' });
  expect(chat.find((r) => String(r.body.text).startsWith('Task'))!.body.channel).toBe('#alerts');
  // The DAG's on_failure_callback: the incoming webhook, the token appended to the connection's host.
  expect(requests.filter((r) => r.path.startsWith('/services'))).toEqual([expect.objectContaining({ path: '/services/T000/B000/XXXX', body: { text: 'DAG notifiers failed' } })]);
});

/** The outbox's messages: headers, and the HTML part decoded. */
function outbox(): { headers: Record<string, string>; html: string }[] {
  const folder = path.join(home, 'outbox');
  return readdirSync(folder).map((name) => {
    const text = readFileSync(path.join(folder, name), 'utf8');
    const end = text.indexOf('\r\n\r\n');
    const [head, body] = [text.slice(0, end), text.slice(end + 4)];
    const headers = Object.fromEntries(head.split('\r\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
    const part = body.split('\r\n\r\n')[1]!.split('\r\n--')[0]!;
    return { headers, html: Buffer.from(part.replace(/\r\n/g, ''), 'base64').toString('utf8') };
  });
}

it('sends mail from callbacks through the platform transport: send_email and the SMTP notifier (retry)', () => {
  const mails = outbox();
  const failed = mails.find((m) => m.headers.Subject === 'failed: flaky')!;
  expect(failed.headers.To).toBe('ops@example.com, oncall@example.com');
  expect(failed.html).toContain('exit code 3');
  const retry = mails.find((m) => m.headers.To === 'retries@example.com')!;
  expect(retry.headers.From).toBe('airflow@acme.test');
  expect(retry.headers.Subject).toBe('DAG notifiers - Task flaky - Run ID manual__2024-03-05T00:00:00+00:00 in State up_for_retry');
  expect(mails).toHaveLength(2);
});

it('runs every callback of a list although one raises, logging the error and the unavailable provider', async () => {
  const log = await tryLog(runtime, result.run, 'flaky', 2);
  expect(log).toContain('this callback is broken');
  expect(log).toContain('DiscordNotifier comes from the apache-airflow-providers-discord provider package');
  expect(log).not.toContain('xoxb-not-a-real-token');
});
