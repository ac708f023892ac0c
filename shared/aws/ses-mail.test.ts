/**
 * The SES mail transport against a mocked SESv2 client: the exact SendEmail request (sender, every
 * recipient as a destination, the raw message local mode writes to its outbox without its Bcc header),
 * and an alert email of a failed task sent through it from the configured sender.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { createFileMailTransport, type MailMessage } from '../runtime/executors/email.js';
import { sendTaskAlert } from '../runtime/handlers/alerts.js';
import type { RuntimeDeps } from '../runtime/handlers/deps.js';
import type { TaskInstanceRecord } from '../model/records.js';
import { recordingLogger } from '../runtime/executors/test-request.js';
import { makeTask } from '../../test/helpers/model.js';
import { createSesMailTransport } from './ses-mail.js';

const ses = mockClient(SESv2Client);
const date = new Date('2024-03-04T05:06:07Z');

const message: MailMessage = {
  from: 'skydag@example.com',
  to: ['ops@example.com', 'lead@example.com'],
  cc: ['audit@example.com'],
  bcc: ['hidden@example.com'],
  subject: 'Daily report ✓',
  html: '<p>done</p>',
  attachments: [{ filename: 'report.csv', content: Buffer.from('a,b\n1,2\n') }],
};

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

const sent = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const rawOf = (input: ReturnType<typeof sent>[number]) => Buffer.from(input.Content!.Raw!.Data!).toString('utf8');

describe('SES mail transport', () => {
  it('sends the raw message of the local outbox, without its Bcc header, to every recipient from the sender', async () => {
    await createSesMailTransport(new SESv2Client({ region: 'eu-west-1' }), { now: () => date, id: () => 'abc123' }).send(message);
    const [input] = sent();
    expect(sent()).toHaveLength(1);
    expect(input).toMatchObject({
      FromEmailAddress: 'skydag@example.com',
      Destination: { ToAddresses: ['ops@example.com', 'lead@example.com'], CcAddresses: ['audit@example.com'], BccAddresses: ['hidden@example.com'] },
    });
    expect(Object.keys(input!.Content!)).toEqual(['Raw']);
    // The same message local mode stores, less the Bcc line the outbox keeps for developers.
    const outbox = mkdtempSync(join(tmpdir(), 'skydag-ses-'));
    await createFileMailTransport(outbox, { now: () => date, id: () => 'abc123' }).send(message);
    const stored = readFileSync(join(outbox, readdirSync(outbox)[0]!), 'utf8');
    expect(rawOf(input!)).toBe(stored.replace('Bcc: hidden@example.com\r\n', ''));
    expect(rawOf(input!)).not.toContain('hidden@example.com');
    expect(rawOf(input!)).toContain('Content-Disposition: attachment; filename="report.csv"');
  });

  it('lists no Cc or Bcc destinations when the message has none', async () => {
    await createSesMailTransport(new SESv2Client({ region: 'eu-west-1' })).send({ ...message, cc: [], bcc: [] });
    expect(sent()[0]!.Destination).toEqual({ ToAddresses: ['ops@example.com', 'lead@example.com'] });
  });

  it("carries a failed task's alert email from the deployment's sender", async () => {
    const task = makeTask('load', { email: ['oncall@example.com'], email_on_failure: true });
    const mail = { ...createSesMailTransport(new SESv2Client({ region: 'eu-west-1' })), from: 'alerts@example.com' };
    const deps = { mail, hostname: 'runner' } as Pick<RuntimeDeps, 'mail' | 'hostname'> as RuntimeDeps;
    const ti = { dag_id: 'sales', run_id: 'r1', task_id: 'load', try_number: 1, max_tries: 0 } as TaskInstanceRecord;
    const log = recordingLogger();
    await sendTaskAlert(deps, task, ti, 'failure', 'boom', log);
    expect(log.infos()).toEqual(["Sent an alert email to ['oncall@example.com'] (Failed)"]);
    expect(sent()).toEqual([expect.objectContaining({ FromEmailAddress: 'alerts@example.com', Destination: { ToAddresses: ['oncall@example.com'] } })]);
    expect(rawOf(sent()[0]!)).toMatch(/Subject: .*load/);
  });
});
