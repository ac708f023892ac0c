/**
 * Bracket nesting, checked before parsing. CPython's tokenizer refuses more than 200 nested
 * brackets ("too many nested parentheses"); skydag does the same, so a file of 10,000 `(` costs one
 * linear scan instead of a slow error recovery in the parser and deep recursion after it.
 * String literals and comments are skipped; the parser reports any malformed one afterwards.
 */

// Character codes (the scan reads code units, not one-character strings).
const HASH = 35, NEWLINE = 10, DQUOTE = 34, SQUOTE = 39, BACKSLASH = 92;
const PAREN = 40, BRACKET = 91, BRACE = 123, CLOSE_PAREN = 41, CLOSE_BRACKET = 93, CLOSE_BRACE = 125;

/** Offset of the first bracket nested deeper than `max`, or -1. */
export function overNestedBracket(source: string, max: number): number {
  let depth = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === HASH) {
      while (i < n && source.charCodeAt(i) !== NEWLINE) i++;
      continue;
    }
    if (c === DQUOTE || c === SQUOTE) {
      i = afterString(source, i);
      continue;
    }
    if (c === PAREN || c === BRACKET || c === BRACE) {
      if (++depth > max) return i;
    } else if ((c === CLOSE_PAREN || c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) depth--;
    i++;
  }
  return -1;
}

/** The offset just after the string literal whose opening quote is at `start` (or the end of its line when unterminated). */
function afterString(source: string, start: number): number {
  const q = source.charCodeAt(start);
  const triple = source.charCodeAt(start + 1) === q && source.charCodeAt(start + 2) === q;
  let i = start + (triple ? 3 : 1);
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (!triple && c === NEWLINE) return i;
    else if (c === q && (!triple || (source.charCodeAt(i + 1) === q && source.charCodeAt(i + 2) === q))) return i + (triple ? 3 : 1);
    else i++;
  }
  return i;
}
