/**
 * The local modules a DAG file imports, with their sources, for the static reader
 * (FrontendOptions.modules): `import a.b` / `from a.b import c` found in the DAGs folder, then the
 * plugins and project folders (the tasks' sys.path order), as `a/b.py` or `a/b/__init__.py`, and
 * what those modules import in turn. Relative imports are left out (DAG files are top-level
 * modules). Bounded like source bundles: a module over the scan limit is not read.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pythonImports } from './python-imports.js';

/** At most this many modules (and this many bytes each) are read for one DAG file. */
export const LOCAL_MODULE_LIMITS = { modules: 200, bytes: 2 * 1024 * 1024 } as const;

function fileOf(roots: readonly string[], name: string): string | undefined {
  const parts = name.split('.');
  for (const root of roots) {
    for (const candidate of [join(root, ...parts) + '.py', join(root, ...parts, '__init__.py')]) {
      try {
        const stat = statSync(candidate);
        if (stat.isFile() && stat.size <= LOCAL_MODULE_LIMITS.bytes) return candidate;
      } catch {
        // not there
      }
    }
  }
  return undefined;
}

/** Module names an import may load: every package on the way, the module, and from-imported names (they may be submodules). */
function candidateNames(module: string, names: readonly string[]): string[] {
  const parts = module.split('.');
  const out = parts.map((_, i) => parts.slice(0, i + 1).join('.'));
  for (const n of names) if (n !== '*') out.push(`${module}.${n}`);
  return out;
}

/**
 * `roots`: the folders searched, in order (DAGs, plugins, project). Paths in the result are relative
 * to the first root when inside it (what diagnostics show), else absolute.
 */
export function localModuleSources(source: string, roots: readonly string[]): Record<string, { file: string; source: string }> {
  const out: Record<string, { file: string; source: string }> = {};
  const pending = [source];
  for (let text = pending.shift(); text !== undefined; text = pending.shift()) {
    for (const imported of pythonImports(text)) {
      if (imported.level > 0 || !imported.module || imported.module === 'airflow' || imported.module.startsWith('airflow.')) continue;
      for (const name of candidateNames(imported.module, imported.names)) {
        if (Object.hasOwn(out, name) || Object.keys(out).length >= LOCAL_MODULE_LIMITS.modules) continue;
        const path = fileOf(roots, name);
        if (!path) continue;
        const body = readFileSync(path, 'utf8');
        const shown = relative(roots[0]!, path);
        out[name] = { file: shown.startsWith('..') ? path : shown, source: body };
        pending.push(body);
      }
    }
  }
  return out;
}
