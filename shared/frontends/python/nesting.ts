/**
 * Bracket nesting, checked before parsing. CPython's tokenizer refuses more than 200 nested
 * brackets ("too many nested parentheses"); skydag does the same, so a file of 10,000 `(` costs one
 * linear scan instead of a slow error recovery in the parser and deep recursion after it.
 * String literals and comments are skipped; the parser reports any malformed one afterwards.
 */

/** Offset of the first bracket nested deeper than `max`, or -1. */
export function overNestedBracket(source: string, max: number): number {
  let depth = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      i = afterString(source, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      if (++depth > max) return i;
    } else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    i++;
  }
  return -1;
}

/** The offset just after the string literal whose opening quote is at `start` (or the end of its line when unterminated). */
function afterString(source: string, start: number): number {
  const q = source[start]!;
  const triple = source[start + 1] === q && source[start + 2] === q;
  let i = start + (triple ? 3 : 1);
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') i += 2;
    else if (!triple && c === '\n') return i;
    else if (c === q && (!triple || (source[i + 1] === q && source[i + 2] === q))) return i + (triple ? 3 : 1);
    else i++;
  }
  return i;
}
