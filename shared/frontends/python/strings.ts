/** Python string literal decoding: prefixes, quotes, escape sequences and f-string brace escapes. */

export interface StringToken {
  prefix: string;
  raw: boolean;
  bytes: boolean;
  format: boolean;
  /** Offset of the content start within the token text. */
  contentStart: number;
  /** Offset of the content end within the token text. */
  contentEnd: number;
}

/** Splits a string token (`rb'...'`, `"""..."""`) into prefix, quotes and content bounds. */
export function analyzeStringToken(text: string): StringToken {
  let i = 0;
  while (i < text.length && text[i] !== '"' && text[i] !== "'") i++;
  const prefix = text.slice(0, i).toLowerCase();
  const quoteChar = text[i] ?? '"';
  const triple = text.startsWith(quoteChar.repeat(3), i);
  const quoteLen = triple ? 3 : 1;
  const contentStart = i + quoteLen;
  // An unterminated token cannot reach here (syntax errors stop earlier), but stay safe.
  const closes = text.length - quoteLen >= contentStart && text.endsWith(quoteChar.repeat(quoteLen));
  const contentEnd = closes ? text.length - quoteLen : text.length;
  return {
    prefix,
    raw: prefix.includes('r'),
    bytes: prefix.includes('b'),
    format: prefix.includes('f'),
    contentStart,
    contentEnd,
  };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Decodes backslash escapes as Python does for a non-raw literal (unknown escapes are kept). */
export function decodeEscapes(body: string, bytes: boolean): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i === body.length - 1) {
      out += c;
      continue;
    }
    const n = body[i + 1]!;
    if (n === '\n') {
      i += 1;
      continue;
    }
    if (n === '\r') {
      i += body[i + 2] === '\n' ? 2 : 1;
      continue;
    }
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    if (n >= '0' && n <= '7') {
      let j = i + 1;
      while (j < body.length && j < i + 4 && body[j]! >= '0' && body[j]! <= '7') j++;
      out += String.fromCharCode(parseInt(body.slice(i + 1, j), 8));
      i = j - 1;
      continue;
    }
    const hexLen = n === 'x' ? 2 : !bytes && n === 'u' ? 4 : !bytes && n === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (hex.length === hexLen && /^[0-9a-fA-F]+$/.test(hex)) {
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 1 + hexLen;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** Literal text of an f-string segment: escapes (unless raw) and the `{{`/`}}` brace escapes. */
export function decodeFStringLiteral(body: string, raw: boolean): string {
  const text = raw ? body : decodeEscapes(body, false);
  return text.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
}

/** The value of a plain (non-f) string token. */
export function decodeStringToken(text: string): { value: string; bytes: boolean } {
  const t = analyzeStringToken(text);
  const body = text.slice(t.contentStart, t.contentEnd);
  return { value: t.raw ? body : decodeEscapes(body, t.bytes), bytes: t.bytes };
}
