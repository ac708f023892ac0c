/**
 * `{% include %}` (which the engine lacks) by inlining: Airflow's Jinja environment loads included
 * templates from the same search path as template files (the DAG file's folder, then
 * `template_searchpath`), and an included template sees the including template's context — so the
 * included source, with Jinja's single trailing newline dropped, is spliced in place of the tag
 * before compiling. Forms: `{% include 'a.sql' %}`, a list of names (the first that exists),
 * `ignore missing`, `with context` / `without context` (skydag gives the context either way), and
 * whitespace control (`{%- include ... -%}`). The name must be a literal: files are read before
 * rendering (in a worker thread there is no file system to ask), so a computed name is a
 * TemplateNotFound naming the limitation. Differences from Jinja: `{% set %}` inside an included
 * template is visible after it, and `without context` still passes the context.
 */
import { PyError } from '../py/object.js';

/** The tag with its argument text; `{% raw %}` blocks are skipped by the callers of {@link expandIncludes}. */
const INCLUDE_TAG = /\{%(-?)\s*include\s+([\s\S]*?)\s*(-?)%\}/g;
const RAW_BLOCK = /\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g;
const STRING = String.raw`(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;
const ARGUMENT = new RegExp(String.raw`^(${STRING}|\[\s*(?:${STRING}\s*(?:,\s*${STRING}\s*)*,?\s*)?\]|\(\s*(?:${STRING}\s*(?:,\s*${STRING}\s*)*,?\s*)?\))((?:\s+ignore\s+missing)?)(?:\s+(?:with|without)\s+context)?$`);

/** Nesting deeper than this is a RecursionError (a template that includes itself). */
const MAX_DEPTH = 20;
/** Characters of source the inlining may build, so includes cannot multiply a template without bound. */
const MAX_EXPANDED_CHARS = 2_000_000;

export type TemplateLoader = (name: string) => string | undefined;

interface IncludeTag {
  names: string[];
  ignoreMissing: boolean;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

function parseTag(argument: string): IncludeTag | undefined {
  const m = ARGUMENT.exec(argument.trim());
  if (!m) return undefined;
  const names = [...m[1]!.matchAll(new RegExp(STRING, 'g'))].map((s) => unquote(s[0]));
  return { names, ignoreMissing: m[2]!.trim() !== '' };
}

/** Applies `fn` to the parts of `source` outside `{% raw %}` blocks. */
function outsideRaw(source: string, fn: (part: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of source.matchAll(RAW_BLOCK)) {
    out += fn(source.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + fn(source.slice(last));
}

/** The literal template names `source` includes (for reading the files before a render). */
export function includedNames(source: string): string[] {
  if (!source.includes('include')) return [];
  const names: string[] = [];
  outsideRaw(source, (part) => {
    for (const m of part.matchAll(INCLUDE_TAG)) names.push(...(parseTag(m[2]!)?.names ?? []));
    return part;
  });
  return names;
}

/** `source` with every `{% include %}` replaced by the included template's source (recursively). */
export function expandIncludes(source: string, load: TemplateLoader | undefined): string {
  if (!source.includes('include')) return source;
  let budget = MAX_EXPANDED_CHARS;
  const expand = (text: string, depth: number): string =>
    outsideRaw(text, (part) =>
      part.replace(INCLUDE_TAG, (_tag, stripBefore: string, argument: string, stripAfter: string) => {
        const tag = parseTag(argument);
        if (!tag) {
          throw new PyError('TemplateNotFound', `{% include ${argument} %}: skydag includes templates named by a string literal (or a list of them), read before rendering`);
        }
        if (depth >= MAX_DEPTH) throw new PyError('RecursionError', `{% include %} nested more than ${MAX_DEPTH} deep`);
        let found: string | undefined;
        for (const name of tag.names) {
          try {
            found = load?.(name);
          } catch (err) {
            throw new PyError('TemplateNotFound', `${name}${err instanceof Error && err.message ? ` (${err.message})` : ''}`);
          }
          if (found !== undefined) break;
        }
        if (found === undefined) {
          if (tag.ignoreMissing) return `${stripBefore ? '{{- "" }}' : ''}${stripAfter ? '{{ "" -}}' : ''}`;
          throw new PyError('TemplateNotFound', tag.names.length === 1 ? tag.names[0]! : `none of the templates given were found: ${tag.names.join(', ')}`);
        }
        const body = expand(found.replace(/\r?\n$/, ''), depth + 1);
        budget -= body.length;
        if (budget < 0) throw new PyError('RecursionError', `{% include %} built more than ${MAX_EXPANDED_CHARS} characters of template`);
        return `${stripBefore ? '{{- "" }}' : ''}${body}${stripAfter ? '{{ "" -}}' : ''}`;
      }),
    );
  return expand(source, 0);
}
