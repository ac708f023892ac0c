/**
 * Task logs with ANSI colours, safely: the text is split into segments that carry only colour and
 * weight classes (SGR codes 0/1/2/3/4/22/23/24/30–37/39/40–47/49/90–97/100–107); every other escape
 * sequence (cursor moves, OSC titles, hyperlinks) is dropped. Segments are rendered as React text, so
 * markup in a log (`<script>`) shows as the characters it is, never as HTML.
 */

export interface AnsiStyle {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export const PLAIN: AnsiStyle = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };

// CSI sequences (ESC [ … final byte), OSC sequences (ESC ] … BEL or ESC \), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex -- matching terminal control characters is the point
const ESCAPES = /\u001b\[([0-9;?]*)([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  let next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) next = { ...PLAIN };
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 3) next.italic = true;
    else if (c === 4) next.underline = true;
    else if (c === 22) next = { ...next, bold: false, dim: false };
    else if (c === 23) next.italic = false;
    else if (c === 24) next.underline = false;
    else if (c >= 30 && c <= 37) next.fg = c - 30;
    else if (c >= 90 && c <= 97) next.fg = c - 90 + 8;
    else if (c === 39) next.fg = null;
    else if (c >= 40 && c <= 47) next.bg = c - 40;
    else if (c >= 100 && c <= 107) next.bg = c - 100 + 8;
    else if (c === 49) next.bg = null;
    else if ((c === 38 || c === 48) && codes[i + 1] === 5) i += 2; // 256-colour: not rendered, arguments skipped
    else if ((c === 38 || c === 48) && codes[i + 1] === 2) i += 4; // true colour: not rendered, arguments skipped
  }
  return next;
}

const sameStyle = (a: AnsiStyle, b: AnsiStyle) =>
  a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline;

/** Splits text into styled segments; `start` carries the style over from an earlier chunk (followed logs). */
export function parseAnsi(text: string, start: AnsiStyle = PLAIN): { segments: AnsiSegment[]; end: AnsiStyle } {
  const segments: AnsiSegment[] = [];
  let style = start;
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const prev = segments[segments.length - 1];
    if (prev && sameStyle(prev.style, style)) prev.text += chunk;
    else segments.push({ text: chunk, style });
  };
  for (const m of text.matchAll(ESCAPES)) {
    push(text.slice(last, m.index));
    if (m[2] === 'm') style = applySgr(style, m[1] ?? '');
    last = m.index! + m[0].length;
  }
  push(text.slice(last));
  return { segments, end: style };
}

/** CSS classes of a style (colours are theme variables in the stylesheet). */
export function ansiClasses(style: AnsiStyle): string {
  const classes: string[] = [];
  if (style.fg !== null) classes.push(`ansi-fg-${style.fg}`);
  if (style.bg !== null) classes.push(`ansi-bg-${style.bg}`);
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  return classes.join(' ');
}

/** The text without any escape sequence (for copying and searching). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}
