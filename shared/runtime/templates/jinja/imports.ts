/**
 * `{% import 'macros.sql' as m %}` and `{% from 'macros.sql' import a, b as c %}` (which the engine
 * lacks): the tags are taken out of the source before compiling, and the imported templates (named by
 * string literals, read before rendering like includes) are run when the render starts, their macros
 * and top-level `{% set %}` variables bound under the alias or the names given (engine.ts
 * applyImports). As in Jinja, an imported template does not see the render's context unless imported
 * `with context`, its output is discarded, and a name it does not export is undefined. Difference: the
 * imports take effect from the start of the template, wherever the tag is.
 */
import { PyError } from '../py/object.js';
import { leadingLiteral, removedTag, tagsOf } from './tags.js';

export interface TemplateImport {
  /** The imported template's name. */
  template: string;
  /** `import ... as alias`: the module bound to one name. */
  alias?: string;
  /** `from ... import name as binding`: each name bound on its own. */
  names?: [name: string, binding: string][];
  withContext: boolean;
}

const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** A trailing `with context` / `without context`, and the text before it (word by word: linear in any input). */
function contextOption(text: string): { clause: string; withContext: boolean } {
  const words = text.split(/\s+/);
  const [option, last] = words.slice(-2);
  if (words.length >= 2 && last === 'context' && (option === 'with' || option === 'without')) return { clause: words.slice(0, -2).join(' '), withContext: option === 'with' };
  return { clause: text, withContext: false };
}

function parseImport(kind: 'import' | 'from', rest: string): TemplateImport {
  const named = leadingLiteral(rest);
  if (!named) throw new PyError('TemplateNotFound', `{% ${kind} ${rest} %}: skydag imports templates named by a string literal, read before rendering`);
  const { clause, withContext } = contextOption(named.after);
  if (kind === 'import') {
    const alias = /^as\s+(\S+)$/.exec(clause)?.[1];
    if (alias === undefined || !IDENTIFIER.test(alias)) throw new PyError('TemplateSyntaxError', `{% import ${rest} %}: expected {% import 'template' as name %}`);
    return { template: named.value, alias, withContext };
  }
  const list = /^import\s+(.+)$/.exec(clause)?.[1];
  const names = list
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): [string, string] | undefined => {
      const m = /^(\S+)(?:\s+as\s+(\S+))?$/.exec(part);
      return m && IDENTIFIER.test(m[1]!) && (m[2] === undefined || IDENTIFIER.test(m[2])) ? [m[1]!, m[2] ?? m[1]!] : undefined;
    });
  if (!names || names.length === 0 || names.some((n) => n === undefined)) throw new PyError('TemplateSyntaxError', `{% from ${rest} %}: expected {% from 'template' import name, other as alias %}`);
  return { template: named.value, names: names as [string, string][], withContext };
}

/** `source` without its import tags, and what they import, in order. */
export function extractImports(source: string): { source: string; imports: TemplateImport[] } {
  if (!source.includes('import')) return { source, imports: [] };
  const imports: TemplateImport[] = [];
  let out = '';
  let last = 0;
  for (const t of tagsOf(source)) {
    if (t.name !== 'import' && t.name !== 'from') continue;
    imports.push(parseImport(t.name, t.rest));
    out += source.slice(last, t.start) + removedTag(t);
    last = t.end;
  }
  return { source: out + source.slice(last), imports };
}

/** The templates `source` imports (their names only; for reading them before a render). */
export function importedNames(source: string): string[] {
  if (!source.includes('import')) return [];
  const names: string[] = [];
  for (const t of tagsOf(source)) {
    const named = t.name === 'import' || t.name === 'from' ? leadingLiteral(t.rest) : undefined;
    if (named) names.push(named.value);
  }
  return names;
}
