/** The contract every DAG-file front-end (Python, YAML) implements. */
import type { Dag, Diagnostic } from '../model/schema.js';

export interface FrontendOptions {
  /** Path shown in diagnostics and stored in the model (relative to the dags folder when known). */
  file: string;
  /** The clock used for parse-time dates (days_ago, datetime.now, pendulum.today, "2 days" in YAML). */
  now: Date;
  /**
   * What `os.environ` holds while the file is read: the variables listed in SKYDAG_PARSE_ENV with
   * their values (parse-env.ts). Absent: an empty environment.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * Top-level module names a module-level `import` may resolve to besides Airflow and the shim:
   * the DAGs, plugins and project folders' modules and the installed Python's (importable-modules.ts).
   * Another name is Airflow's parse-time `ModuleNotFoundError`. Absent: imports are not checked.
   */
  importable?: readonly string[];
  /**
   * Sources of the DAGs/plugins/project folders' modules the file imports (transitively), by dotted
   * module name (local-modules.ts). The reader evaluates them, without running them, and takes their
   * plain values (constants, default_args dicts, lists, dates) as Airflow's import would give them.
   */
  modules?: Readonly<Record<string, { file: string; source: string }>>;
  /**
   * Text files of the DAGs folder the sources name (config files: .json, .yaml, .txt, ...), by path
   * relative to the DAGs folder (parse-time-files.ts). What the file reads of them at parse time
   * (`open`, `json.load`, `yaml.safe_load`, `Path.read_text`) is known; the model records which
   * (`Dag.parse_files`), and they go into the version's bundle.
   */
  files?: Readonly<Record<string, string>>;
  /**
   * Listings of the DAGs folder's folders the sources list at parse time (`os.listdir`, `os.scandir`,
   * `glob.glob`, `Path.iterdir` / `.glob`), by path relative to the DAGs folder (`''`: its top): entry
   * names, a sub-folder's ending in `/` (parse-time-files.ts). The config files in them come in `files`.
   */
  folders?: Readonly<Record<string, readonly string[]>>;
  /**
   * Commands the sources pass to `shutil.which("name")`, each with the path the platform's PATH
   * gives it or null (parse-time-executables.ts). Absent, or a name not here: unknown.
   */
  executables?: Readonly<Record<string, string | null>>;
  /**
   * Airflow Variables the sources read with `Variable.get("key", ...)` (a literal key), each with the
   * value the platform's tasks would get (parse-time-variables.ts) or null when it is not set. Absent,
   * or a key not here: unknown (the value exists only when the file runs).
   */
  variables?: Readonly<Record<string, string | null>>;
}

type HandedOver = Pick<FrontendOptions, 'importable' | 'modules' | 'files' | 'folders' | 'executables' | 'variables'>;

/** The facts a platform hands over for one file (the optional fields of FrontendOptions that are set), to pass them on. */
export function handedOver(o: HandedOver): HandedOver {
  return {
    ...(o.importable ? { importable: o.importable } : {}),
    ...(o.modules ? { modules: o.modules } : {}),
    ...(o.files ? { files: o.files } : {}),
    ...(o.folders ? { folders: o.folders } : {}),
    ...(o.executables ? { executables: o.executables } : {}),
    ...(o.variables ? { variables: o.variables } : {}),
  };
}

export interface FrontendResult {
  /** DAGs in the order they were defined; tasks in creation order, edges filled both ways. */
  dags: Dag[];
  /** Everything found while reading the file (errors and warnings), not yet model-validated. */
  diagnostics: Diagnostic[];
}

export type Frontend = (source: string, options: FrontendOptions) => FrontendResult;
