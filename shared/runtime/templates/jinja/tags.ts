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

const TAG_OR_SKIPPED = /\{%(-?)\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}|\{#[\s\S]*?#\}|\{%(-?)\s*([A-Za-z_]\w*)([\s\S]*?)(-?)%\}/g;

export function tagsOf(source: string): Tag[] {
  const tags: Tag[] = [];
  for (const m of source.matchAll(TAG_OR_SKIPPED)) {
    if (m[3] === undefined) continue; // a raw block or a comment
    tags.push({ start: m.index, end: m.index + m[0].length, name: m[3], rest: m[4]!.trim(), stripBefore: m[2] === '-', stripAfter: m[5] === '-' });
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
