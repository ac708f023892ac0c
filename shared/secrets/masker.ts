/**
 * The secrets masker: one module for every place that shows or stores data which may carry a secret
 * (task logs, rendered fields, XCom, failure messages, API responses, the audit log). It follows
 * Airflow's `airflow/utils/log/secrets_masker.py`:
 *
 * - **By key.** A value whose key (variable key, connection-extra key, conf key, dict key) contains one
 *   of the sensitive names — Airflow's DEFAULT_SENSITIVE_FIELDS, extended by
 *   `SKYDAG_SENSITIVE_VAR_CONN_NAMES` (or Airflow's `AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES`), a comma
 *   separated list — is replaced by `***` wherever such a structure is shown.
 * - **By value.** A {@link SecretsMasker} collects the secret values one task try has seen (variables
 *   whose key is sensitive, every connection password, connection extras and conf values under
 *   sensitive keys, values registered with `mask_secret`) and replaces each occurrence in any text or
 *   structure — also in the forms a program prints it in: JSON- and Python-repr-escaped, URL-quoted, and
 *   line by line for a multi-line secret (a private key printed one line at a time).
 * - Values shorter than the minimum length (`SKYDAG_MIN_LENGTH_MASKED_SECRET`, Airflow 3's
 *   `[logging] min_length_masked_secret`, default 5) are not masked by value — masking every "a" or
 *   "1" would shred the logs — nor is the word "airflow". By key, everything is masked.
 *
 * Stricter than Airflow where Airflow leaks: values nested under a sensitive key are masked at any
 * depth, numbers under a sensitive key too, and a secret split across output chunks is still found
 * ({@link RedactingStream}).
 */

export const MASK = '***';

/** Airflow 2.10's DEFAULT_SENSITIVE_FIELDS: names (Variable keys, connection-extra keys, ...) deemed sensitive. */
export const DEFAULT_SENSITIVE_FIELDS: readonly string[] = Object.freeze([
  'access_token',
  'api_key',
  'apikey',
  'authorization',
  'passphrase',
  'passwd',
  'password',
  'private_key',
  'secret',
  'token',
  'keyfile_dict',
  'service_account',
]);

/** Airflow 3's default `min_length_masked_secret`: shorter values are not masked by value. */
export const DEFAULT_MIN_LENGTH = 5;

/** Common words never masked by value (Airflow's SECRETS_TO_SKIP_MASKING). */
const NEVER_MASKED = new Set(['airflow']);

/** Structures are walked at most this deep; anything deeper is replaced whole (never shown unmasked). */
const MAX_DEPTH = 64;

export interface MaskingSettings {
  /** Lower-case names; a key containing any of them is sensitive. */
  sensitiveFields: readonly string[];
  /** Values shorter than this are not masked by value. */
  minLength: number;
}

let cached: { raw: string; settings: MaskingSettings } | undefined;

/** The settings from the environment (read again only when the variables change). */
export function maskingSettings(env: NodeJS.ProcessEnv = process.env): MaskingSettings {
  const names = env.SKYDAG_SENSITIVE_VAR_CONN_NAMES ?? env.AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES ?? '';
  const min = env.SKYDAG_MIN_LENGTH_MASKED_SECRET ?? env.AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET ?? '';
  const raw = `${names}\u0000${min}`;
  if (cached?.raw === raw) return cached.settings;
  const extra = names.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
  const parsed = Number.parseInt(min, 10);
  const settings: MaskingSettings = {
    sensitiveFields: [...new Set([...DEFAULT_SENSITIVE_FIELDS, ...extra])],
    minLength: Number.isInteger(parsed) && parsed >= 1 ? parsed : DEFAULT_MIN_LENGTH,
  };
  cached = { raw, settings };
  return settings;
}

/** Whether values under this name are hidden (Airflow's should_hide_value_for_key). */
export function isSensitiveKey(name: string, settings: MaskingSettings = maskingSettings()): boolean {
  const lower = name.trim().toLowerCase();
  return lower !== '' && settings.sensitiveFields.some((field) => lower.includes(field));
}

/** Masks the values under sensitive keys of a structure (no value patterns): for API responses and the audit log. */
export function redactByKey<T>(value: T, name?: string | null): T | string {
  return new SecretsMasker().redact(value, name);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python's repr() of a str, without the quotes. */
function pythonReprBody(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** Python's urllib.parse.quote(s, safe=''). */
function pythonQuote(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The forms a program may print a secret in (Airflow's mask adapters, built in). */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  // Python's json.dumps escapes non-ASCII characters by default (ensure_ascii).
  const asciiJson = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const quoted = pythonQuote(secret);
  const forms = [secret, json, asciiJson, pythonReprBody(secret), encodeURIComponent(secret), quoted, quoted.replace(/%20/g, '+')];
  if (/[\r\n]/.test(secret)) forms.push(...secret.split(/\r?\n|\r/).map((line) => line.trim()));
  return [...new Set(forms)];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The secrets one task try has seen, and the redaction of text and structures against them. Build one
 * per try, register what the try reads ({@link addMask}, {@link addVariable}, {@link addConnection}),
 * and pass everything shown or stored through {@link redact} / {@link redactText} / {@link stream}.
 */
export class SecretsMasker {
  /** Each maskable form → the secret it came from. */
  private readonly forms = new Map<string, string>();
  private replacer: RegExp | null = null;
  private firstChars = new Set<string>();
  private longest = 0;

  constructor(readonly settings: MaskingSettings = maskingSettings()) {}

  isSensitiveKey(name: string): boolean {
    return isSensitiveKey(name, this.settings);
  }

  /** Whether any value is registered. */
  get empty(): boolean {
    return this.forms.size === 0;
  }

  /**
   * Airflow's mask_secret(secret, name): a string (or number) is masked when no name is given or the
   * name is sensitive; a dict is walked with its keys as names; a list keeps the name. Everything
   * under a sensitive name is masked, however deep.
   */
  addMask(secret: unknown, name?: string | null, depth = 0): void {
    if (secret === null || secret === undefined || depth > MAX_DEPTH) return;
    const sensitive = name !== undefined && name !== null && this.isSensitiveKey(name);
    if (typeof secret === 'string' || typeof secret === 'number') {
      if (name === undefined || name === null || sensitive) this.register(String(secret));
    } else if (Array.isArray(secret)) {
      for (const item of secret) this.addMask(item, name, depth + 1);
    } else if (isRecord(secret)) {
      for (const [key, value] of Object.entries(secret)) this.addMask(value, sensitive ? name : key, depth + 1);
    }
  }

  /** A variable read or written by the try: its value when the key is sensitive; a JSON value's sensitive keys. */
  addVariable(key: string, value: string): void {
    this.addMask(value, key);
    const text = value.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) return;
    try {
      const parsed: unknown = JSON.parse(text);
      this.addMask(parsed, this.isSensitiveKey(key) ? key : undefined);
    } catch {
      // not JSON
    }
  }

  /** A connection read by the try: its password always, its extra's values under sensitive keys. */
  addConnection(connection: { password: string | null; extra: Record<string, unknown> | null }): void {
    if (connection.password) this.addMask(connection.password);
    if (connection.extra) this.addMask(connection.extra);
  }

  private register(secret: string): void {
    const min = this.settings.minLength;
    if (secret.length < min || NEVER_MASKED.has(secret.toLowerCase())) return;
    let added = false;
    for (const form of secretForms(secret)) {
      if (form.length < min || NEVER_MASKED.has(form.toLowerCase()) || this.forms.has(form)) continue;
      this.forms.set(form, secret);
      added = true;
    }
    if (!added) return;
    // Longest first, so that of two forms starting at the same place the longer one is replaced.
    const all = [...this.forms.keys()].sort((a, b) => b.length - a.length);
    this.replacer = new RegExp(all.map(escapeRegExp).join('|'), 'g');
    this.firstChars = new Set(all.map((f) => f[0]!));
    this.longest = all[0]!.length;
  }

  /** Replaces every registered secret (in any of its forms) in a text. */
  redactText(text: string): string {
    return this.replacer && text ? text.replace(this.replacer, MASK) : text;
  }

  /**
   * A structure with the values under sensitive keys masked and every registered secret replaced in
   * its strings (and dict keys). `name` is the key the whole value sits under, if any.
   */
  redact<T>(value: T, name?: string | null): T | string {
    return this.redactAt(value, name !== undefined && name !== null && this.isSensitiveKey(name), 0) as T | string;
  }

  private redactAt(value: unknown, hidden: boolean, depth: number): unknown {
    if (depth > MAX_DEPTH) return MASK;
    if (typeof value === 'string') return hidden ? (value === '' ? value : MASK) : this.redactText(value);
    if (typeof value === 'number') return hidden ? MASK : value;
    if (Array.isArray(value)) return value.map((item) => this.redactAt(item, hidden, depth + 1));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[this.redactText(key)] = this.redactAt(item, hidden || this.isSensitiveKey(key), depth + 1);
      return out;
    }
    return value;
  }

  /** Whether {@link redact} would change the value. */
  hides(value: unknown): boolean {
    return JSON.stringify(this.redact(value)) !== JSON.stringify(value);
  }

  /**
   * The secrets a value carries: registered secrets found in its strings, and strings under sensitive
   * keys. A value handed on (an XCom) takes them along, so whoever reads it masks them too.
   */
  secretsIn(value: unknown): string[] {
    const found = new Set<string>();
    const visit = (v: unknown, hidden: boolean, depth: number): void => {
      if (depth > MAX_DEPTH) return;
      if (typeof v === 'string' || typeof v === 'number') {
        const text = String(v);
        if (hidden) found.add(text);
        else if (this.replacer && typeof v === 'string') for (const m of text.matchAll(this.replacer)) found.add(this.forms.get(m[0])!);
      } else if (Array.isArray(v)) v.forEach((item) => visit(item, hidden, depth + 1));
      else if (isRecord(v)) for (const [key, item] of Object.entries(v)) visit(item, hidden || this.isSensitiveKey(key), depth + 1);
    };
    visit(value, false, 0);
    return [...found];
  }

  /** A redactor for text that arrives in chunks (a process's output). */
  stream(): RedactingStream {
    return new RedactingStream(this);
  }

  /**
   * Where the longest suffix of `text` that could still grow into a registered form begins
   * (`text.length` when none could): that part must wait for the next chunk.
   */
  pendingFrom(text: string): number {
    if (!this.replacer) return text.length;
    for (let i = Math.max(0, text.length - this.longest + 1); i < text.length; i++) {
      if (!this.firstChars.has(text[i]!)) continue;
      const tail = text.slice(i);
      for (const form of this.forms.keys()) if (form.length > tail.length && form.startsWith(tail)) return i;
    }
    return text.length;
  }

  /** The current pattern (null when nothing is registered). */
  get pattern(): RegExp | null {
    return this.replacer;
  }
}

/**
 * Redacts a stream of text chunks as they arrive. A secret split across chunks (a process that writes
 * half a line, or a pipe that delivers it in two reads) is still masked: the tail of a chunk that could
 * be the start of a secret is held back until the next chunk (or {@link flush}) shows whether it is one.
 * Nothing else is delayed.
 */
export class RedactingStream {
  private held = '';

  constructor(private readonly masker: SecretsMasker) {}

  /** The redacted text that can be written now. */
  push(chunk: string): string {
    const text = this.held + chunk;
    const pattern = this.masker.pattern;
    if (!pattern) {
      this.held = '';
      return text;
    }
    const cut = this.masker.pendingFrom(text);
    let out = '';
    let last = 0;
    let end = cut;
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      // A match that starts in the held-back tail may yet be part of a longer secret.
      if (match.index >= cut) break;
      out += text.slice(last, match.index) + MASK;
      last = match.index + match[0].length;
      end = Math.max(end, last);
    }
    out += text.slice(last, end);
    this.held = text.slice(end);
    return out;
  }

  /** Whatever is held back, redacted (the stream ended, or something else is written in between). */
  flush(): string {
    const rest = this.masker.redactText(this.held);
    this.held = '';
    return rest;
  }
}
