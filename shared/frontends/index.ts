/**
 * Reading one DAG file: pick the front-end by extension, validate every DAG it produced, and apply
 * the all-or-nothing rule — a file with any error registers no DAG at all (nothing half-registered).
 */
import { DiagnosticBag, DiagnosticCode, hasErrors, sortDiagnostics } from '../model/diagnostics.js';
import type { Dag, Diagnostic } from '../model/schema.js';
import { validateDag } from '../validation/validate.js';
import { parsePythonDagFile } from './python/index.js';
import type { Frontend, FrontendOptions } from './types.js';
import { parseYamlDagFile } from './yaml/index.js';

export type { Frontend, FrontendOptions, FrontendResult } from './types.js';

const FRONTENDS: Readonly<Record<string, Frontend>> = {
  '.py': parsePythonDagFile,
  '.yaml': parseYamlDagFile,
  '.yml': parseYamlDagFile,
};

export const DAG_FILE_EXTENSIONS: readonly string[] = Object.keys(FRONTENDS);

function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? '' : file.slice(dot).toLowerCase();
}

export function frontendFor(file: string): Frontend | undefined {
  return FRONTENDS[extensionOf(file)];
}

/**
 * Airflow's "safe mode" heuristic: a Python file is only a DAG file candidate when it mentions both
 * "airflow" and "dag", so helper modules in the DAGs folder are not parsed as DAGs.
 */
export function isDagFileCandidate(file: string, source: string): boolean {
  const ext = extensionOf(file);
  if (ext !== '.py') return ext in FRONTENDS;
  const lower = source.toLowerCase();
  return lower.includes('airflow') && lower.includes('dag');
}

export interface LoadedDagFile {
  file: string;
  /** Empty whenever `diagnostics` holds an error. */
  dags: Dag[];
  diagnostics: Diagnostic[];
  /** The text that was read (kept with each DAG version, for the console's code view). */
  source?: string;
}

export function loadDagFile(source: string, options: FrontendOptions): LoadedDagFile {
  const frontend = frontendFor(options.file);
  if (!frontend) {
    const bag = new DiagnosticBag();
    bag.error(DiagnosticCode.UNSUPPORTED, `${options.file}: not a DAG file (expected ${DAG_FILE_EXTENSIONS.join(', ')})`, { file: options.file, line: 1, col: 1 });
    return { file: options.file, dags: [], diagnostics: bag.items, source };
  }
  const parsed = frontend(source, options);
  const diagnostics = [...parsed.diagnostics];
  for (const dag of parsed.dags) diagnostics.push(...validateDag(dag));
  const sorted = sortDiagnostics(diagnostics);
  return { file: options.file, dags: hasErrors(sorted) ? [] : parsed.dags, diagnostics: sorted, source };
}
