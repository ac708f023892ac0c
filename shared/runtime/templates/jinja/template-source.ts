/**
 * A template's source as the engine compiles it: the tags the engine lacks expanded — inheritance
 * (inheritance.ts), then includes (includes.ts) — and its imports taken out (imports.ts) to be run
 * when the render starts. Every template these name is read before rendering (referencedTemplates).
 */
import { expandIncludes, includedNames, type TemplateLoader } from './includes.js';
import { extractImports, importedNames, type TemplateImport } from './imports.js';
import { expandInheritance, extendedNames } from './inheritance.js';

export function expandTemplateSource(source: string, load: TemplateLoader | undefined): { source: string; imports: TemplateImport[] } {
  return extractImports(expandIncludes(expandInheritance(source, load), load));
}

/** Every template `source` names by a literal: what it includes, extends and imports. */
export function referencedTemplates(source: string): string[] {
  return [...includedNames(source), ...extendedNames(source), ...importedNames(source)];
}
