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
import { removedTag, STRING_LITERAL as STRING, tagsOf, unquote, type Tag } from './tags.js';

const ARGUMENT = new RegExp(String.raw`^(${STRING}|\[\s*(?:${STRING}\s*(?:,\s*${STRING}\s*)*,?\s*)?\]|\(\s*(?:${STRING}\s*(?:,\s*${STRING}\s*)*,?\s*)?\))((?:\s+ignore\s+missing)?)(?:\s+(?:with|without)\s+context)?$`);

/** Nesting deeper than this is a RecursionError (a template that includes itself). */
const MAX_DEPTH = 20;
/** Characters of source the inlining may build, so includes cannot multiply a template without bound. */
const MAX_EXPANDED_CHARS = 2_000_000;

export type TemplateLoader = (name: string) => string | undefined;

/** A template's source (undefined: there is none); a loader's failure is a TemplateNotFound naming it. */
export function readTemplate(load: TemplateLoader | undefined, name: string): string | undefined {
  try {
    return load?.(name);
  } catch (err) {
    throw new PyError('TemplateNotFound', `${name}${err instanceof Error && err.message ? ` (${err.message})` : ''}`);
  }
}

interface IncludeTag {
  names: string[];
  ignoreMissing: boolean;
}

function parseTag(argument: string): IncludeTag | undefined {
  const m = ARGUMENT.exec(argument.trim());
  if (!m) return undefined;
  const names = [...m[1]!.matchAll(new RegExp(STRING, 'g'))].map((s) => unquote(s[0]));
  return { names, ignoreMissing: m[2]!.trim() !== '' };
}

/** The literal template names `source` includes (for reading the files before a render). */
export function includedNames(source: string): string[] {
  if (!source.includes('include')) return [];
  return tagsOf(source).flatMap((t) => (t.name === 'include' ? (parseTag(t.rest)?.names ?? []) : []));
}

/** `source` with every `{% include %}` replaced by the included template's source (recursively). */
export function expandIncludes(source: string, load: TemplateLoader | undefined): string {
  if (!source.includes('include')) return source;
  let budget = MAX_EXPANDED_CHARS;
  const expand = (text: string, depth: number): string => {
    let out = '';
    let last = 0;
    for (const t of tagsOf(text)) {
      if (t.name !== 'include') continue;
      out += text.slice(last, t.start) + included(t, depth);
      last = t.end;
    }
    return out + text.slice(last);
  };
  const included = (t: Tag, depth: number): string => {
    const tag = parseTag(t.rest);
    if (!tag) {
      throw new PyError('TemplateNotFound', `{% include ${t.rest} %}: skydag includes templates named by a string literal (or a list of them), read before rendering`);
    }
    if (depth >= MAX_DEPTH) throw new PyError('RecursionError', `{% include %} nested more than ${MAX_DEPTH} deep`);
    let found: string | undefined;
    for (const name of tag.names) {
      found = readTemplate(load, name);
      if (found !== undefined) break;
    }
    if (found === undefined) {
      if (tag.ignoreMissing) return removedTag(t);
      throw new PyError('TemplateNotFound', tag.names.length === 1 ? tag.names[0]! : `none of the templates given were found: ${tag.names.join(', ')}`);
    }
    const body = expand(found.replace(/\r?\n$/, ''), depth + 1);
    budget -= body.length;
    if (budget < 0) throw new PyError('RecursionError', `{% include %} built more than ${MAX_EXPANDED_CHARS} characters of template`);
    return `${removedTag({ stripBefore: t.stripBefore, stripAfter: false })}${body}${removedTag({ stripBefore: false, stripAfter: t.stripAfter })}`;
  };
  return expand(source, 0);
}
