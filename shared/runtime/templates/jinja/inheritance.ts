/**
 * Template inheritance, `{% extends %}` with `{% block %}` (which the engine lacks), expanded before
 * compiling as Jinja resolves it: the child's output is its parent's, each parent block replaced by
 * the child's block of the same name (nested blocks too; `{{ super() }}` inside it is the parent's
 * content), through any number of levels. Of the child's text outside its blocks only what Jinja
 * runs there without output is kept — `{% set %}`, `{% macro %}`, `{% import %}`/`{% from %}` — so the
 * parent sees those variables (the "active page" pattern). `{% block %}` tags are then dropped, their
 * content rendered in place, as in a template that extends nothing. The parent is named by a string
 * literal and read before rendering, like an include (see includes.ts). Differences from Jinja:
 * `{{ self.name() }}` and `{% block name required %}`'s check are not supported, and a block's
 * content sees the variables set before it in the child as well as in the parent.
 */
import { PyError } from '../py/object.js';
import { readTemplate, type TemplateLoader } from './includes.js';
import { closingTag, leadingLiteral, removedTag, tagsOf, type Tag } from './tags.js';

/** Nesting deeper than this is a RecursionError (a template that extends itself). */
const MAX_DEPTH = 20;
/** Blocks nested deeper than this are a RecursionError (each level is scanned again: keep it linear-ish). */
const MAX_BLOCK_NESTING = 100;

function nestingChecked(level: number): number {
  if (level > MAX_BLOCK_NESTING) throw new PyError('RecursionError', `{% block %} nested more than ${MAX_BLOCK_NESTING} deep`);
  return level + 1;
}

const SUPER_CALL = /\{\{(-?)\s*super\(\)\s*(-?)\}\}/g;
/** `{% set x = ... %}` (one tag), as opposed to the block form `{% set x %}...{% endset %}`. */
const INLINE_SET = /^[\w\s,.()]+=(?!=)/;

interface Block {
  name: string;
  open: Tag;
  close: Tag;
}

/** `{% block name %}`, `{% block name scoped %}`: the name. */
const blockName = (t: Tag): string => t.rest.split(/\s+/)[0] ?? '';

/** The outermost blocks of `source`, in order (nested ones are in their content). */
function outerBlocks(source: string): Block[] {
  const tags = tagsOf(source);
  const out: Block[] = [];
  for (let i = 0; i < tags.length; i++) {
    const open = tags[i]!;
    if (open.name !== 'block') continue;
    const j = closingTag(tags, i, 'block', 'endblock');
    if (j < 0) throw new PyError('TemplateSyntaxError', `{% block ${open.rest} %} is never closed (no {% endblock %})`);
    out.push({ name: blockName(open), open, close: tags[j]! });
    i = j;
  }
  return out;
}

/**
 * A block's content with its own tags' inner whitespace control applied (`{% block x -%}` strips the
 * content's leading whitespace): the content moves away from those tags when a block is overridden.
 */
function contentOf(source: string, b: Block): string {
  const content = source.slice(b.open.end, b.close.start);
  const start = b.open.stripAfter ? content.trimStart() : content;
  return b.close.stripBefore ? start.trimEnd() : start;
}

/** A block's tags as kept for the levels above: only their outer whitespace control (the inner one is applied). */
const openTag = (b: Block): string => `{%${b.open.stripBefore ? '-' : ''} block ${b.open.rest} %}`;
const closeTag = (b: Block): string => `{% endblock ${b.close.stripAfter ? '-' : ''}%}`;

/** Every block a child defines, nested ones included, by name: its content. */
function definedBlocks(source: string, into = new Map<string, string>(), level = 0): Map<string, string> {
  const next = nestingChecked(level);
  for (const b of outerBlocks(source)) {
    const content = contentOf(source, b);
    if (!into.has(b.name)) into.set(b.name, content);
    definedBlocks(content, into, next);
  }
  return into;
}

/** `text` with each block the child defines given the child's content (block tags kept for the levels above). */
function overrideBlocks(text: string, child: ReadonlyMap<string, string>, level = 0): string {
  const next = nestingChecked(level);
  let out = '';
  let last = 0;
  for (const b of outerBlocks(text)) {
    const inherited = overrideBlocks(contentOf(text, b), child, next);
    const own = child.get(b.name);
    const content = own === undefined ? inherited : own.replace(SUPER_CALL, (_m, before: string, after: string) => `${removedTag({ stripBefore: before === '-', stripAfter: false })}${inherited}${removedTag({ stripBefore: false, stripAfter: after === '-' })}`);
    out += text.slice(last, b.open.start) + openTag(b) + content + closeTag(b);
    last = b.close.end;
  }
  return out + text.slice(last);
}

/** The child's statements outside its blocks that Jinja runs before rendering the parent (see the module doc). */
function prelude(source: string): string {
  const tags = tagsOf(source);
  let out = '';
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    let end = i;
    if (t.name === 'block') end = closingTag(tags, i, 'block', 'endblock');
    else if (t.name === 'macro') end = closingTag(tags, i, 'macro', 'endmacro');
    else if (t.name === 'set' && !INLINE_SET.test(t.rest)) end = closingTag(tags, i, 'set', 'endset', (x) => x.name === 'set' && !INLINE_SET.test(x.rest));
    if (end < 0) break; // unclosed: the compiler reports it
    if (t.name === 'macro' || t.name === 'set' || t.name === 'import' || t.name === 'from') out += source.slice(t.start, tags[end]!.end);
    i = end;
  }
  return out;
}

function resolve(source: string, load: TemplateLoader | undefined, depth: number): string {
  const extendsTag = tagsOf(source).find((t) => t.name === 'extends');
  if (!extendsTag) return source;
  if (depth >= MAX_DEPTH) throw new PyError('RecursionError', `{% extends %} nested more than ${MAX_DEPTH} deep`);
  const named = leadingLiteral(extendsTag.rest);
  if (!named || named.after !== '') {
    throw new PyError('TemplateNotFound', `{% extends ${extendsTag.rest} %}: skydag extends templates named by a string literal, read before rendering`);
  }
  const parent = readTemplate(load, named.value);
  if (parent === undefined) throw new PyError('TemplateNotFound', named.value);
  const base = resolve(parent.replace(/\r?\n$/, ''), load, depth + 1);
  return prelude(source) + overrideBlocks(base, definedBlocks(source));
}

/** The template `source` extends, when named by a literal (for reading it before a render). */
export function extendedNames(source: string): string[] {
  if (!source.includes('extends')) return [];
  const named = tagsOf(source).find((t) => t.name === 'extends');
  const parent = named ? leadingLiteral(named.rest) : undefined;
  return parent ? [parent.value] : [];
}

/** `source` with its inheritance resolved and its `{% block %}` tags dropped (their content in place). */
export function expandInheritance(source: string, load: TemplateLoader | undefined): string {
  if (!source.includes('extends') && !source.includes('block')) return source;
  const resolved = resolve(source, load, 0);
  let out = '';
  let last = 0;
  for (const t of tagsOf(resolved)) {
    if (t.name !== 'block' && t.name !== 'endblock') continue;
    out += resolved.slice(last, t.start) + removedTag(t);
    last = t.end;
  }
  return out + resolved.slice(last);
}
