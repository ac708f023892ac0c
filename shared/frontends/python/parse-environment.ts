/**
 * `os.environ` while one DAG file is read: the allowed variables the platform parses with (see
 * ../parse-env.ts), what the file itself assigns, and which allowed values it read (recorded with
 * the DAG version, so a changed value makes a new version).
 */
import { MASK, isSensitiveKey } from '../../secrets/masker.js';

export class ParseEnvironment {
  /** Values the file set (`os.environ[k] = v`, `setdefault`); undefined marks a deleted variable. */
  private readonly assigned = new Map<string, string | undefined>();
  private readonly readValues = new Map<string, string>();
  private readonly variablesRead = new Set<string>();

  constructor(
    private readonly allowed: Readonly<Record<string, string>> = {},
    private readonly executables: Readonly<Record<string, string | null>> = {},
    private readonly variables: Readonly<Record<string, string | null>> = {},
  ) {}

  /** `Variable.get(key)` as the platform answered it (null: not set), or undefined when it did not. */
  variable(key: string): string | null | undefined {
    if (!Object.hasOwn(this.variables, key)) return undefined;
    this.variablesRead.add(key);
    return this.variables[key] ?? null;
  }

  /** The keys of the variables the file read (answered by the platform), sorted. */
  variableKeys(): string[] {
    return [...this.variablesRead].sort();
  }

  /** `shutil.which(name)` as the platform answered it (null: not found), or undefined when it did not. */
  which(name: string): string | null | undefined {
    return Object.hasOwn(this.executables, name) ? (this.executables[name] ?? null) : undefined;
  }

  /** The variable's value as the file sees it, or undefined when it is not set. */
  get(name: string): string | undefined {
    if (this.assigned.has(name)) return this.assigned.get(name);
    if (!Object.hasOwn(this.allowed, name)) return undefined;
    const value = this.allowed[name]!;
    this.readValues.set(name, value);
    return value;
  }

  set(name: string, value: string | undefined): void {
    this.assigned.set(name, value);
  }

  /**
   * The platform's variables the file read, by name (sorted, so the DAG version does not depend on
   * reading order). A sensitive name's value is `***`: the model is shown by the API, and a secret
   * read only for the tasks (which read their own environment) needs no new version.
   */
  read(): Record<string, string> {
    return Object.fromEntries(
      [...this.readValues].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => [name, isSensitiveKey(name) ? MASK : value]),
    );
  }
}

export const PARSE_ENV_HINT = 'DAG files see only the variables listed in SKYDAG_PARSE_ENV (comma-separated) while skydag reads them';
