/**
 * EmailOperator (Airflow `airflow/operators/email.py` + `airflow/utils/email.py`): builds the
 * message Airflow's `build_mime_message` builds — `multipart/<mime_subtype>` (default `mixed`) with
 * the HTML part and one `application/octet-stream` part per file in `files` — and hands it to a
 * {@link MailTransport}. No SMTP client here: the lead wires a transport (local mode writes `.eml`
 * files to an outbox with {@link createFileMailTransport}).
 *
 * `to`, `cc` and `bcc` are lists or strings separated by `,` or `;`. Bcc recipients are envelope
 * recipients only and never appear in the headers of a message that is sent; the file outbox keeps
 * a `Bcc:` header so a developer can see who would have received it. Relative `files` paths are
 * resolved against the DAGs folder. The sender is `from_email`, else the `from_email` extra of
 * the `conn_id` connection (default `smtp_default`), else the transport's default sender.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ArgSource, optionalString, optionalStringList, requiredString } from './support.js';
import { type ExecutionRequest, type TaskExecutor, TaskFailedError, TaskNotRunnableError, type TaskServices } from './types.js';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

export interface MailMessage {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  attachments: MailAttachment[];
  /** `multipart/<subtype>` (Airflow's mime_subtype, default `mixed`). */
  mimeSubtype?: string;
  /** Charset of the HTML part (Airflow's mime_charset, default `utf-8`). */
  charset?: string;
  /** Extra headers (Airflow's custom_headers). */
  headers?: Record<string, string>;
}

/** Sends (or stores) a message. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

/** Airflow's `get_email_address_list`: a list as is, or a string split on `,` and `;`. */
export function emailAddressList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? value.split(/[,;]/) : value;
  return parts.map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// RFC 5322 / MIME formatting
// ---------------------------------------------------------------------------------------------

/** Header values never carry line breaks (no header injection from templated fields). */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

/** RFC 2047 encoded-word for non-ASCII header text (base64, split so each word stays short). */
export function encodeHeaderText(value: string): string {
  const text = oneLine(value);
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?utf-8?b?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

function base64Lines(content: Buffer): string {
  return (content.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** RFC 5322 date-time, e.g. `Mon, 01 Jan 2024 00:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${p(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function quotedParam(value: string): string {
  const text = oneLine(value);
  if (/^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/(["\\])/g, '\\$1')}"`;
  return `"${encodeHeaderText(text).replace(/\r\n /g, ' ')}"`;
}

export interface FormatOptions {
  date: Date;
  messageId: string;
  boundary: string;
  /** Write a Bcc header (only for stored copies, never for a message handed to SMTP). */
  includeBcc?: boolean;
}

/** The message as RFC 5322 text with CRLF line endings. */
export function formatRfc5322Message(message: MailMessage, options: FormatOptions): string {
  const charset = message.charset ?? 'utf-8';
  const lines: string[] = [];
  const header = (name: string, value: string) => lines.push(`${name}: ${value}`);
  header('MIME-Version', '1.0');
  header('Content-Type', `multipart/${message.mimeSubtype ?? 'mixed'}; boundary="${options.boundary}"`);
  header('Subject', encodeHeaderText(message.subject));
  header('From', oneLine(message.from));
  header('To', oneLine(message.to.join(', ')));
  if (message.cc.length) header('CC', oneLine(message.cc.join(', ')));
  if (options.includeBcc && message.bcc.length) header('Bcc', oneLine(message.bcc.join(', ')));
  header('Date', rfc5322Date(options.date));
  header('Message-ID', `<${options.messageId}>`);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (/^[!-9;-~]+$/.test(name)) header(name, encodeHeaderText(value));
  }
  lines.push('');
  lines.push(`--${options.boundary}`);
  lines.push(`Content-Type: text/html; charset="${charset}"`);
  lines.push('MIME-Version: 1.0');
  lines.push('Content-Transfer-Encoding: base64');
  lines.push('');
  lines.push(base64Lines(Buffer.from(message.html, /^(iso-8859-1|latin-?1)$/i.test(charset) ? 'latin1' : 'utf8')));
  for (const a of message.attachments) {
    lines.push(`--${options.boundary}`);
    lines.push(`Content-Type: ${a.contentType ?? 'application/octet-stream'}; Name=${quotedParam(a.filename)}`);
    lines.push('MIME-Version: 1.0');
    lines.push('Content-Transfer-Encoding: base64');
    lines.push(`Content-Disposition: attachment; filename=${quotedParam(a.filename)}`);
    lines.push(`Content-ID: <${oneLine(a.filename)}>`);
    lines.push('');
    lines.push(base64Lines(a.content));
  }
  lines.push(`--${options.boundary}--`);
  lines.push('');
  return lines.join('\r\n');
}

/**
 * The text of a message as skydag sends or stores it: its Message-ID and MIME boundary derive from
 * `unique`. The outbox keeps a Bcc header; a message handed to a mail service never has one.
 */
export function renderMailMessage(message: MailMessage, options: { date: Date; unique: string; includeBcc: boolean }): string {
  return formatRfc5322Message(message, {
    date: options.date,
    messageId: `${options.unique}@skydag.local`,
    boundary: `===============skydag${options.unique}==`,
    includeBcc: options.includeBcc,
  });
}

/**
 * Local mode's outbox: every message becomes `<dir>/<timestamp>-<id>.eml` (with a Bcc header so the
 * envelope recipients are visible). Nothing is sent anywhere.
 */
export function createFileMailTransport(
  dir: string,
  options: { now?: () => Date; id?: () => string; onWrite?: (file: string) => void } = {},
): MailTransport {
  const now = options.now ?? (() => new Date());
  const id = options.id ?? (() => randomBytes(8).toString('hex'));
  return {
    async send(message) {
      const date = now();
      const unique = id();
      const text = renderMailMessage(message, { date, unique, includeBcc: true });
      await mkdir(dir, { recursive: true });
      const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const file = path.join(dir, `${stamp}-${unique}.eml`);
      await writeFile(file, text, { flag: 'wx' });
      options.onWrite?.(file);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The executor
// ---------------------------------------------------------------------------------------------

export interface EmailExecutorDeps {
  transport: MailTransport;
  /** Sender when neither from_email nor the connection sets one (Airflow's smtp_mail_from). */
  defaultFrom?: string;
}

/**
 * The message Airflow's `send_email(to, subject, html_content, cc=, bcc=, mime_subtype=, mime_charset=,
 * conn_id=, from_email=, custom_headers=)` sends, from those arguments (EmailOperator's, or a task's
 * own call of airflow.utils.email.send_email); `attachments` reads the files once the arguments are checked.
 */
export async function composeMail(
  source: ArgSource,
  attachments: () => Promise<MailAttachment[]>,
  options: { getConnection: TaskServices['getConnection']; defaultFrom?: string | undefined },
): Promise<MailMessage> {
  const where = `${source.task.operator} '${source.task.task_id}'`;
  // A string is split on , and ; (optionalStringList would wrap it as one address).
  const addresses = (name: string) => {
    const raw = source.args[name];
    return emailAddressList(typeof raw === 'string' ? raw : optionalStringList(source, name));
  };
  const to = addresses('to');
  if (to.length === 0) throw new TaskNotRunnableError(`${where}: argument 'to' is required`);
  const subject = requiredString(source, 'subject');
  const html = requiredString(source, 'html_content');
  const connId = optionalString(source, 'conn_id') ?? 'smtp_default';
  const conn = await options.getConnection(connId);
  const connFrom = conn && typeof conn.extra.from_email === 'string' ? conn.extra.from_email : undefined;
  const from = optionalString(source, 'from_email') ?? connFrom ?? options.defaultFrom ?? 'airflow@example.com';
  const cc = addresses('cc');
  const bcc = addresses('bcc');
  const message: MailMessage = { from, to, cc, bcc, subject, html, attachments: await attachments() };
  const subtype = optionalString(source, 'mime_subtype');
  if (subtype) message.mimeSubtype = subtype;
  const charset = optionalString(source, 'mime_charset');
  if (charset) message.charset = charset;
  const custom = source.args.custom_headers;
  if (custom && typeof custom === 'object' && !Array.isArray(custom)) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(custom)) if (typeof v === 'string') headers[k] = v;
    message.headers = headers;
  }
  return message;
}

/** The log line of a message sent. */
export function sentMailLine(message: MailMessage): string {
  return `Sent an email to ${[...message.to, ...message.cc].join(', ')}${message.bcc.length ? ` (+${message.bcc.length} bcc)` : ''}`;
}

export function createEmailExecutor(deps: EmailExecutorDeps): TaskExecutor {
  return async (request: ExecutionRequest) => {
    const where = `EmailOperator '${request.task.task_id}'`;
    const readFiles = async () => {
      const attachments: MailAttachment[] = [];
      for (const file of optionalStringList(request, 'files') ?? []) {
        const full = path.isAbsolute(file) ? file : path.join(request.dagsFolder, file);
        let content: Buffer;
        try {
          content = await readFile(full);
        } catch (error) {
          throw new TaskFailedError(`${where}: cannot read attachment ${full}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        attachments.push({ filename: path.basename(file), content });
      }
      return attachments;
    };
    const message = await composeMail(request, readFiles, { getConnection: (id) => request.services.getConnection(id), defaultFrom: deps.defaultFrom });
    await deps.transport.send(message);
    request.log.info(sentMailLine(message));
    return { outcome: 'success' };
  };
}
