import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PyValue } from '../../model/schema.js';
import {
  createEmailExecutor,
  createFileMailTransport,
  emailAddressList,
  encodeHeaderText,
  formatRfc5322Message,
  rfc5322Date,
  type MailMessage,
  type MailTransport,
} from './email.js';
import { makeRequest, makeTask } from './test-request.js';
import type { Connection } from './types.js';
import { TaskFailedError, TaskNotRunnableError } from './types.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skydag-mail-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function request(args: Record<string, PyValue>, connections: Record<string, Partial<Connection>> = {}) {
  return makeRequest({
    task: makeTask({ task_id: 'send_report', operator: 'EmailOperator', operator_kind: 'email', args }),
    dagsFolder: dir,
    connections,
  });
}

class MemoryTransport implements MailTransport {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    this.sent.push(message);
  }
}

/** Splits an .eml into top-level headers and MIME parts (headers + decoded body). */
function parseEml(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const headers = Object.fromEntries(head!.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  const boundary = /boundary="([^"]+)"/.exec(headers['Content-Type']!)![1]!;
  const body = rest.join('\r\n\r\n');
  const parts = body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((raw) => {
      const [ph, ...pb] = raw.replace(/^\r\n/, '').split('\r\n\r\n');
      const partHeaders = Object.fromEntries(ph!.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      return { headers: partHeaders, content: Buffer.from(pb.join('').replace(/\r\n/g, ''), 'base64') };
    });
  return { headers, parts, body };
}

describe('address lists and header encoding', () => {
  it('splits strings on , and ; like get_email_address_list', () => {
    expect(emailAddressList('a@x.io, b@x.io;c@x.io ;')).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    expect(emailAddressList(['a@x.io', ' b@x.io '])).toEqual(['a@x.io', 'b@x.io']);
    expect(emailAddressList(undefined)).toEqual([]);
  });

  it('encodes non-ASCII subjects as RFC 2047 words and strips line breaks', () => {
    expect(encodeHeaderText('Daily report')).toBe('Daily report');
    expect(encodeHeaderText('Rapport été')).toBe(`=?utf-8?b?${Buffer.from('Rapport été').toString('base64')}?=`);
    expect(encodeHeaderText('a\r\nBcc: evil@x.io')).toBe('a Bcc: evil@x.io');
  });

  it('formats RFC 5322 dates', () => {
    expect(rfc5322Date(new Date('2024-03-05T06:07:08Z'))).toBe('Tue, 05 Mar 2024 06:07:08 +0000');
  });
});

describe('formatRfc5322Message', () => {
  const message: MailMessage = {
    from: 'airflow@example.com',
    to: ['a@x.io', 'b@x.io'],
    cc: ['c@x.io'],
    bcc: ['secret@x.io'],
    subject: 'Report 2024-01-01',
    html: '<h1>Done</h1>',
    attachments: [{ filename: 'data.csv', content: Buffer.from('a,b\n1,2\n') }],
  };
  const options = { date: new Date('2024-01-02T00:00:00Z'), messageId: 'abc@skydag.local', boundary: 'BOUND' };

  it('builds Airflow’s multipart/mixed message with CRLF line endings and no Bcc header', () => {
    const text = formatRfc5322Message(message, options);
    expect(text.split('\r\n\r\n')[0]).toBe(
      [
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="BOUND"',
        'Subject: Report 2024-01-01',
        'From: airflow@example.com',
        'To: a@x.io, b@x.io',
        'CC: c@x.io',
        'Date: Tue, 02 Jan 2024 00:00:00 +0000',
        'Message-ID: <abc@skydag.local>',
      ].join('\r\n'),
    );
    expect(text).not.toContain('secret@x.io');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    const { parts } = parseEml(text);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.headers['Content-Type']).toBe('text/html; charset="utf-8"');
    expect(parts[0]!.content.toString('utf8')).toBe('<h1>Done</h1>');
    expect(parts[1]!.headers).toEqual({
      'Content-Type': 'application/octet-stream; Name="data.csv"',
      'MIME-Version': '1.0',
      'Content-Transfer-Encoding': 'base64',
      'Content-Disposition': 'attachment; filename="data.csv"',
      'Content-ID': '<data.csv>',
    });
    expect(parts[1]!.content.toString('utf8')).toBe('a,b\n1,2\n');
    expect(text.endsWith('--BOUND--\r\n')).toBe(true);
  });

  it('keeps a Bcc header only for stored copies', () => {
    expect(formatRfc5322Message(message, { ...options, includeBcc: true })).toContain('\r\nBcc: secret@x.io\r\n');
  });

  it('wraps base64 bodies at 76 characters', () => {
    const text = formatRfc5322Message({ ...message, html: 'x'.repeat(500), attachments: [] }, options);
    const lines = parseEml(text).body.split('\r\n').filter((l) => /^[A-Za-z0-9+/=]+$/.test(l) && l.length > 10);
    expect(lines.length).toBeGreaterThan(5);
    expect(Math.max(...lines.map((l) => l.length))).toBe(76);
  });
});

describe('EmailOperator', () => {
  it('writes an .eml to the outbox with recipients, subject, HTML and attachments', async () => {
    await writeFile(path.join(dir, 'stats.csv'), 'day,count\n2024-01-01,42\n');
    const outbox = path.join(dir, 'outbox');
    const written: string[] = [];
    const transport = createFileMailTransport(outbox, { now: () => new Date('2024-01-02T03:04:05Z'), id: () => 'fixedid', onWrite: (f) => written.push(f) });
    const exec = createEmailExecutor({ transport });
    const req = request({
      to: 'team@x.io; lead@x.io',
      cc: ['cc@x.io'],
      bcc: 'hidden@x.io',
      subject: 'Stats for 2024-01-01',
      html_content: '<p>42 events</p>',
      files: ['stats.csv'],
    });
    await expect(exec(req)).resolves.toEqual({ outcome: 'success' });
    expect(await readdir(outbox)).toEqual(['20240102T030405Z-fixedid.eml']);
    expect(written).toEqual([path.join(outbox, '20240102T030405Z-fixedid.eml')]);
    const eml = parseEml(await readFile(written[0]!, 'utf8'));
    expect(eml.headers).toMatchObject({
      From: 'airflow@example.com',
      To: 'team@x.io, lead@x.io',
      CC: 'cc@x.io',
      Bcc: 'hidden@x.io',
      Subject: 'Stats for 2024-01-01',
      Date: 'Tue, 02 Jan 2024 03:04:05 +0000',
      'Message-ID': '<fixedid@skydag.local>',
    });
    expect(eml.parts.map((p) => p.content.toString('utf8'))).toEqual(['<p>42 events</p>', 'day,count\n2024-01-01,42\n']);
    expect(eml.parts[1]!.headers['Content-Disposition']).toBe('attachment; filename="stats.csv"');
    expect(req.log.infos()).toEqual(['Sent an email to team@x.io, lead@x.io, cc@x.io (+1 bcc)']);
  });

  it('hands the transport a structured message; the sender comes from from_email, the connection, or the default', async () => {
    const transport = new MemoryTransport();
    await createEmailExecutor({ transport, defaultFrom: 'skydag@corp.io' })(request({ to: ['a@x.io'], subject: 's', html_content: 'h' }));
    expect(transport.sent[0]).toEqual({ from: 'skydag@corp.io', to: ['a@x.io'], cc: [], bcc: [], subject: 's', html: 'h', attachments: [] });
    await createEmailExecutor({ transport })(request({ to: 'a@x.io', subject: 's', html_content: 'h' }, { smtp_default: { extra: { from_email: 'conn@corp.io' } } }));
    expect(transport.sent[1]!.from).toBe('conn@corp.io');
    await createEmailExecutor({ transport })(request({ to: 'a@x.io', subject: 's', html_content: 'h', from_email: 'me@corp.io', mime_subtype: 'alternative' }));
    expect(transport.sent[2]).toMatchObject({ from: 'me@corp.io', mimeSubtype: 'alternative' });
    await createEmailExecutor({ transport })(request({ to: 'a@x.io', subject: 's', html_content: 'h' }));
    expect(transport.sent[3]!.from).toBe('airflow@example.com');
  });

  it('fails when an attachment cannot be read, and rejects a missing recipient', async () => {
    const transport = new MemoryTransport();
    await expect(createEmailExecutor({ transport })(request({ to: 'a@x.io', subject: 's', html_content: 'h', files: ['missing.csv'] }))).rejects.toThrow(
      new TaskFailedError(`EmailOperator 'send_report': cannot read attachment ${path.join(dir, 'missing.csv')}: ENOENT`),
    );
    await expect(createEmailExecutor({ transport })(request({ to: [], subject: 's', html_content: 'h' }))).rejects.toBeInstanceOf(TaskNotRunnableError);
    expect(transport.sent).toEqual([]);
  });
});
