/**
 * Jinja statement tags (`{% name ... %}`) found in template source outside `{% raw %}` blocks and
 * `{# comments #}`, for the tags the engine lacks and skydag expands before compiling (includes.ts,
 * inheritance.ts, imports.ts).
 */

export interface Tag {
  /** Offsets of the whole tag in the source. */
  start: number;
  end: number;
  /** The tag's first word (`block`, `endblock`, `set`, ...). */
  name: string;
  /** What follows the name, trimmed. */
  rest: string;
  /** Whitespace control: `{%-` and `-%}`. */
  stripBefore: boolean;
  stripAfter: boolean;
}

const NAME = /^[A-Za-z_]\w*/;
const END_RAW = /\{%-?\s*endraw\s*-?%\}/g;

/**
 * One pass over the source (each search starts where the last ended, and an unclosed tag or comment
 * ends the scan, as it ends the template for Jinja's lexer), so a hostile template costs linear time.
 */
export function tagsOf(source: string): Tag[] {
  const tags: Tag[] = [];
  let at = 0;
  for (;;) {
    const open = source.indexOf('{', at);
    if (open < 0 || open + 1 >= source.length) break;
    const kind = source[open + 1];
    if (kind === '#') {
      const close = source.indexOf('#}', open + 2);
      if (close < 0) break;
      at = close + 2;
      continue;
    }
    if (kind !== '%') {
      at = open + 1;
      continue;
    }
    const close = source.indexOf('%}', open + 2);
    if (close < 0) break;
    let inner = source.slice(open + 2, close);
    const stripBefore = inner.startsWith('-');
    if (stripBefore) inner = inner.slice(1);
    const stripAfter = inner.endsWith('-');
    if (stripAfter) inner = inner.slice(0, -1);
    inner = inner.trim();
    const name = NAME.exec(inner)?.[0];
    at = close + 2;
    if (name === undefined) continue;
    if (name === 'raw') {
      // Nothing inside {% raw %} is a tag.
      END_RAW.lastIndex = at;
      if (END_RAW.exec(source) === null) break;
      at = END_RAW.lastIndex;
      continue;
    }
    tags.push({ start: open, end: close + 2, name, rest: inner.slice(name.length).trim(), stripBefore, stripAfter });
  }
  return tags;
}

/** What replaces a tag removed from the source: nothing, but its whitespace control kept. */
export function removedTag(tag: Pick<Tag, 'stripBefore' | 'stripAfter'>): string {
  return `${tag.stripBefore ? '{{- "" }}' : ''}${tag.stripAfter ? '{{ "" -}}' : ''}`;
}

/** A Jinja string literal (single or double quotes, backslash escapes). */
export const STRING_LITERAL = String.raw`(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;
const LITERAL = new RegExp(String.raw`^(${STRING_LITERAL})`);

/** A string literal's text. */
export const unquote = (literal: string): string => literal.slice(1, -1).replace(/\\(.)/g, '$1');

/** A leading string literal of a tag's argument text, unquoted, and the text after it; undefined when there is none. */
export function leadingLiteral(text: string): { value: string; after: string } | undefined {
  const m = LITERAL.exec(text);
  if (!m) return undefined;
  return { value: unquote(m[1]!), after: text.slice(m[1]!.length).trim() };
}

/**
 * The index of the tag closing the one at `openIndex` (`endblock` for `block`, ...), counting the
 * nested ones with the same opening name; -1 when it is missing.
 */
export function closingTag(tags: readonly Tag[], openIndex: number, open: string, close: string, opens: (t: Tag) => boolean = (t) => t.name === open): number {
  let depth = 0;
  for (let i = openIndex + 1; i < tags.length; i++) {
    const t = tags[i]!;
    if (opens(t)) depth++;
    else if (t.name === close) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}
