/**
 * A DAG file loader for one-shot CLI commands that run the DAG's own tasks (`dags test`,
 * `tasks test`): small files are read in the calling thread, larger ones through the bounded loader.
 *
 * Starting a parse worker loads the whole front-end a second time (about half a second, most of a
 * `dags test` of a small DAG). A small file cannot need the worker's backstop: the parser is linear in
 * the text, and the evaluator stops at its step and size budgets (python/budget.ts, YAML_LIMITS) with
 * the same import error at the same line. Servers keep the worker for every file (bounded.ts).
 */
import type { BoundedLoadOptions, BoundedLoadResult, DagFileLoader } from './bounded.js';
import { loadDagFile } from './index.js';
import { parseEnvironmentFromEnv } from './parse-env.js';
import { DiagnosticCode } from '../model/diagnostics.js';
import { handedOver } from './types.js';

/** Files up to this size (UTF-8 bytes) are read in process: far beyond a hand-written DAG file, far below a generated one. */
export const IN_PROCESS_MAX_BYTES = 256 * 1024;

export interface SmallFilesInProcessOptions {
  /** Larger files go here (the process-wide bounded loader, created only when one comes). */
  fallback: () => DagFileLoader;
  maxBytes?: number;
  /** The parse environment (default: SKYDAG_PARSE_ENV's variables from this process, as the bounded loader). */
  env?: Readonly<Record<string, string>>;
}

export function smallFilesInProcess(options: SmallFilesInProcessOptions): DagFileLoader {
  const maxBytes = options.maxBytes ?? IN_PROCESS_MAX_BYTES;
  let env = options.env;
  return {
    async load(source: string, load: BoundedLoadOptions): Promise<BoundedLoadResult> {
      if (Buffer.byteLength(source, 'utf8') > maxBytes) return options.fallback().load(source, load);
      env ??= parseEnvironmentFromEnv();
      try {
        const loaded = loadDagFile(source, { file: load.file, now: load.now, env: load.env ?? env, ...handedOver(load) });
        if (!load.compile) return loaded;
        const { compileDag } = await import('../compiler/compile.js');
        return { ...loaded, compiled: loaded.dags.map((dag) => compileDag(dag)) };
      } catch (err) {
        // As the worker answers a defect (bounded-worker.ts): an import error of the file, not a crash of the command.
        const message = `skydag could not read this file (${err instanceof Error ? err.message : String(err)})`;
        return {
          file: load.file,
          dags: [],
          diagnostics: [{ file: load.file, line: 1, col: 1, code: DiagnosticCode.PARSE_ABORTED, severity: 'error', message, hint: 'if the file is valid, please report it as a skydag bug' }],
        };
      }
    },
  };
}
