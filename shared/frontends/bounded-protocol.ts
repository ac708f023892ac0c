/** Messages between the bounded loader (bounded.ts) and its parse workers (bounded-worker.ts). */
import type { CompiledDag } from '../compiler/compile.js';
import type { LoadedDagFile } from './index.js';
import type { FrontendOptions } from './types.js';

export interface ParseRequest {
  id: number;
  source: string;
  file: string;
  now: Date;
  /** The parse environment (FrontendOptions.env). */
  env: Readonly<Record<string, string>>;
  /** FrontendOptions.importable. */
  importable?: readonly string[];
  /** FrontendOptions.modules. */
  modules?: FrontendOptions['modules'];
  /** FrontendOptions.files. */
  files?: FrontendOptions['files'];
  /** FrontendOptions.folders. */
  folders?: FrontendOptions['folders'];
  /** FrontendOptions.executables. */
  executables?: FrontendOptions['executables'];
  /** FrontendOptions.variables. */
  variables?: FrontendOptions['variables'];
  /** Also compile every DAG of a file without errors (what `dags compile` shows). */
  compile: boolean;
}

export type ParseResponse =
  | { id: number; ok: true; loaded: LoadedDagFile; compiled?: CompiledDag[] }
  | { id: number; ok: false; message: string };

/** Sent once by a worker when its modules are loaded: jobs' time limits start from then. */
export interface WorkerReady {
  ready: true;
}
