/**
 * Workarounds for Jinja syntax that `@huggingface/jinja`'s lexer and parser lack, applied to the
 * source before tokenizing and to the tokens before parsing, so that Airflow templates using them
 * still compile to what Jinja means:
 * - `{% raw %}...{% endraw %}` blocks;
 * - Python string escapes inside tag string literals (`'\d'` keeps its backslash, `\a`, octal,
 *   `\U0001F600`);
 * - exponent, hex/octal/binary and underscore number literals (`1e-05`, `0x1F`, `1_000`);
 * - `{% do expr %}` (Airflow enables `jinja2.ext.do`);
 * - one-element and empty tuples (`(x,)`, `()`);
 * - tests with arguments (`x is divisibleby 3`, `x is sameas(y)`).
 */
import type { tokenize } from '@huggingface/jinja';
import { TEST_NOT_PREFIX, TEST_PREFIX, TUPLE_END } from './rewrite.js';

type Token = ReturnType<typeof tokenize>[number];

function tokenLike(template: Token, type: string, value: string): Token {
  return Object.assign(Object.create(Object.getPrototypeOf(template) as object) as Token, { type, value });
}

/** Identifiers that are operators or keywords: a `(` after them opens a group, not a call. */
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'elif', 'else', 'for', 'set', 'do']);

/**
 * Token fixes for syntax the engine's parser lacks:
 * - exponent literals (`1e-05`, lexed as `1`, `e`, `-`, `05`) become one float literal; `0x1F`,
 *   `0o17`, `0b101` and `1_000` become integer literals;
 * - `{% do expr %}` (Airflow enables `jinja2.ext.do`) becomes `{% set __sd_do = expr %}`;
 * - one-element and empty tuples (`(x,)`, `()`) get placeholder elements the rewrite removes (the
 *   parser rejects a trailing comma or nothing inside a group);
 * - tests with arguments (`x is divisibleby 3`, `x is sameas(y)`) become internal filter calls.
 */
export function adjustTokens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  const groups: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const [a, b, c] = [tokens[i + 1], tokens[i + 2], tokens[i + 3]];
    if (t.type === 'OpenParen') {
      const prev = out[out.length - 1];
      const isCall = prev !== undefined && (prev.type === 'CloseParen' || prev.type === 'CloseSquareBracket' || (prev.type === 'Identifier' && !KEYWORDS.has(prev.value)));
      if (!isCall && a?.type === 'CloseParen') {
        // `()`: the empty tuple, as `(placeholder, placeholder)`.
        out.push(t, tokenLike(t, 'Identifier', TUPLE_END), tokenLike(t, 'Comma', ','), tokenLike(t, 'Identifier', TUPLE_END));
        continue;
      }
      groups.push(!isCall);
    } else if (t.type === 'CloseParen') {
      groups.pop();
    } else if (t.type === 'Comma' && a?.type === 'CloseParen' && groups[groups.length - 1] === true) {
      out.push(t, tokenLike(t, 'Identifier', TUPLE_END));
      continue;
    }
    if (t.type === 'NumericLiteral' && a?.type === 'Identifier') {
      const radix = t.value === '0' ? /^([xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)$/.exec(a.value) : null;
      if (radix) {
        const digits = a.value.slice(1).replace(/_/g, '');
        const base = { x: 16, o: 8, b: 2 }[a.value[0]?.toLowerCase() as 'x' | 'o' | 'b'];
        out.push(tokenLike(t, 'NumericLiteral', String(parseInt(digits, base))));
        i += 1;
        continue;
      }
      if (/^_\d[\d_]*$/.test(a.value) && !a.value.endsWith('_') && !t.value.includes('.')) {
        out.push(tokenLike(t, 'NumericLiteral', (t.value + a.value).replace(/_/g, '')));
        i += 1;
        continue;
      }
      const mantissa = t.value.includes('.') ? t.value : `${t.value}.0`;
      if (/^[eE]\d+$/.test(a.value)) {
        out.push(tokenLike(t, 'NumericLiteral', mantissa + a.value));
        i += 1;
        continue;
      }
      if (/^[eE]$/.test(a.value) && b?.type === 'AdditiveBinaryOperator' && (b.value === '-' || b.value === '+') && c?.type === 'NumericLiteral' && /^\d+$/.test(c.value)) {
        out.push(tokenLike(t, 'NumericLiteral', `${mantissa}e${b.value}${c.value}`));
        i += 3;
        continue;
      }
    }
    if (t.type === 'Identifier' && t.value === 'is') {
      const consumed = testWithArguments(tokens, i, out);
      if (consumed > 0) {
        i += consumed - 1;
        continue;
      }
    }
    if (t.type === 'OpenStatement' && a?.type === 'Identifier' && a.value === 'do') {
      out.push(t, tokenLike(a, 'Identifier', 'set'), tokenLike(a, 'Identifier', '__sd_do'), tokenLike(a, 'Equals', '='));
      i += 1;
      continue;
    }
    out.push(t);
  }
  return out;
}

/** Index just past the bracketed group opening at `start` (or `start + 1` for a single token). */
function groupEnd(tokens: Token[], start: number): number {
  const open = tokens[start]?.type;
  const close = open === 'OpenParen' ? 'CloseParen' : open === 'OpenSquareBracket' ? 'CloseSquareBracket' : open === 'OpenCurlyBracket' ? 'CloseCurlyBracket' : undefined;
  if (close === undefined) return start + 1;
  let depth = 0;
  for (let j = start; j < tokens.length; j++) {
    const ty = tokens[j]?.type;
    if (ty === open) depth++;
    else if (ty === close && --depth === 0) return j + 1;
  }
  return tokens.length;
}

const NOT_AN_ARGUMENT = new Set(['else', 'or', 'and', 'if', 'is', 'not', 'in', 'for']);

/**
 * `x is name(args)` and `x is name arg` (tests with arguments, which the engine's parser lacks)
 * become the filter call `x | __sd_test_name(args)` (or `__sd_test_not_name`), which the rewrite turns
 * into the test. Returns how many tokens were consumed (0 when the test has no argument).
 */
function testWithArguments(tokens: Token[], at: number, out: Token[]): number {
  let j = at + 1;
  let negate = false;
  if (tokens[j]?.type === 'Identifier' && tokens[j]?.value === 'not') {
    negate = true;
    j++;
  }
  const name = tokens[j];
  const next = tokens[j + 1];
  if (name?.type !== 'Identifier' || next === undefined) return 0;
  const pipe = tokenLike(name, 'Pipe', '|');
  const filterName = tokenLike(name, 'Identifier', `${negate ? TEST_NOT_PREFIX : TEST_PREFIX}${name.value}`);
  if (next.type === 'OpenParen') {
    out.push(pipe, filterName);
    return j + 1 - at;
  }
  const argStarts = ['NumericLiteral', 'StringLiteral', 'OpenSquareBracket', 'OpenCurlyBracket'];
  if (!argStarts.includes(next.type) && !(next.type === 'Identifier' && !NOT_AN_ARGUMENT.has(next.value))) return 0;
  // One primary expression with its postfix accesses (`a.b[0]`).
  let end = groupEnd(tokens, j + 1);
  for (;;) {
    const k = tokens[end];
    if (k?.type === 'Dot' && tokens[end + 1]?.type === 'Identifier') end += 2;
    else if (k?.type === 'OpenSquareBracket') end = groupEnd(tokens, end);
    else break;
  }
  out.push(pipe, filterName, tokenLike(name, 'OpenParen', '('), ...tokens.slice(j + 1, end), tokenLike(name, 'CloseParen', ')'));
  return end - at;
}

const LEXER_ESCAPES = new Set(['n', 't', 'r', 'b', 'f', 'v', "'", '"', '\\', 'x', 'u']);

/** One code point as escapes the engine's lexer understands (`\uXXXX`, surrogate pairs above U+FFFF). */
function uEscape(cp: number): string {
  const hex = (n: number): string => `\\u${n.toString(16).padStart(4, '0')}`;
  if (cp <= 0xffff) return hex(cp);
  const v = cp - 0x10000;
  return hex(0xd800 + (v >> 10)) + hex(0xdc00 + (v & 0x3ff));
}

/**
 * Rewrites escapes inside string literals of `{{ }}`/`{% %}` tags to ones the engine's lexer knows,
 * with Python's meaning: an unknown escape keeps its backslash (`'\d'` is `\d`), `\a` is BEL,
 * `\0`–`\777` are octal, `\UXXXXXXXX` is a code point.
 */
function normalizeEscapes(source: string): string {
  if (!source.includes('\\')) return source;
  let out = '';
  let i = 0;
  let inTag: '}}' | '%}' | null = null;
  let quote: string | null = null;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (inTag === null) {
      const two = source.slice(i, i + 2);
      if (two === '{#') {
        const end = source.indexOf('#}', i + 2);
        const stop = end === -1 ? source.length : end + 2;
        out += source.slice(i, stop);
        i = stop;
        continue;
      }
      if (two === '{{' || two === '{%') inTag = two === '{{' ? '}}' : '%}';
      out += two === '{{' || two === '{%' ? two : c;
      i += two === '{{' || two === '{%' ? 2 : 1;
      continue;
    }
    if (quote === null) {
      if (source.startsWith(inTag, i)) {
        out += inTag;
        i += 2;
        inTag = null;
      } else {
        if (c === "'" || c === '"') quote = c;
        out += c;
        i++;
      }
      continue;
    }
    if (c === quote) {
      quote = null;
      out += c;
      i++;
      continue;
    }
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1] ?? '';
    const octal = /^[0-7]{1,3}/.exec(source.slice(i + 1))?.[0];
    if (octal !== undefined) {
      out += uEscape(parseInt(octal, 8));
      i += 1 + octal.length;
    } else if (e === 'a') {
      out += '\\x07';
      i += 2;
    } else if (e === 'U' && /^[0-9a-fA-F]{8}$/.test(source.slice(i + 2, i + 10))) {
      out += uEscape(parseInt(source.slice(i + 2, i + 10), 16));
      i += 10;
    } else if (e === '\n') {
      i += 2;
    } else if (LEXER_ESCAPES.has(e)) {
      out += c + e;
      i += 2;
    } else {
      out += '\\\\';
      i += 1;
    }
  }
  return out;
}

const RAW_BLOCK = /\{%(-?)\s*raw\s*(-?)%\}([\s\S]*?)\{%(-?)\s*endraw\s*(-?)%\}/g;

/** `{% raw %}...{% endraw %}` (which the engine lacks) as an expression printing the text verbatim. */
function expandRawBlocks(source: string): string {
  if (!source.includes('raw')) return source;
  return source.replace(RAW_BLOCK, (_m, stripBefore: string, trimStart: string, body: string, trimEnd: string, stripAfter: string) => {
    let text = body;
    if (trimStart) text = text.replace(/^\s+/, '');
    if (trimEnd) text = text.replace(/\s+$/, '');
    const literal = text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    return `{{${stripBefore} "${literal}" ${stripAfter}}}`;
  });
}

/**
 * The source passes, in order: newlines (Jinja's lexer makes every `\r\n` and `\r` a `\n`, its
 * `newline_sequence`), raw blocks (their text is not Jinja), then string escapes.
 */
export function preprocessSource(source: string): string {
  return normalizeEscapes(expandRawBlocks(source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source));
}
