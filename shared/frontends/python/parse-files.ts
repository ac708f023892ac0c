/**
 * Files a DAG file reads while it is read (Airflow imports it: `json.load(open(...))`,
 * `yaml.safe_load(...)`, `Path(...).read_text()` of config files beside it). The platform hands
 * over the text of the files the sources name (FrontendOptions.files, by path relative to the DAGs
 * folder); the reader takes them from here, never from disk, and records what it read: those files
 * go into the DAG version's bundle, so a changed config file makes a new version, and tasks read
 * the version's copy.
 */
import { posix } from 'node:path';

export class ParseFiles {
  private readonly readPaths = new Set<string>();

  constructor(
    private readonly files: Readonly<Record<string, string>> = {},
    /** Listings of folders (FrontendOptions.folders): entry names, a folder's ending in `/`. */
    private readonly folders: Readonly<Record<string, readonly string[]>> = {},
  ) {}

  /**
   * The entries of the folder at `path` (names; a sub-folder's ends in `/`), sorted, or undefined when
   * it was not handed over (unknown, not absent). `''` / `'.'` is the DAGs folder itself.
   */
  list(path: string): readonly string[] | undefined {
    const key = ParseFiles.folderKey(path);
    return key !== undefined && Object.hasOwn(this.folders, key) ? this.folders[key] : undefined;
  }

  /** A folder's key: as {@link key}, the DAGs folder being `''`. */
  static folderKey(path: string): string | undefined {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '' || trimmed === '.') return path.startsWith('/') ? undefined : '';
    return ParseFiles.key(trimmed);
  }

  /** The text of `path` (relative to the DAGs folder, as `__file__` is), or undefined when it was not handed over. */
  read(path: string): string | undefined {
    const key = ParseFiles.key(path);
    if (key === undefined || !Object.hasOwn(this.files, key)) return undefined;
    this.readPaths.add(key);
    return this.files[key];
  }

  /** Whether `path` is a handed-over file (false: unknown, not absent). */
  has(path: string): boolean {
    const key = ParseFiles.key(path);
    return key !== undefined && Object.hasOwn(this.files, key);
  }

  /** The files read, sorted. */
  paths(): string[] {
    return [...this.readPaths].sort();
  }

  /** A path inside the DAGs folder, normalized; undefined for absolute paths or paths leaving it. */
  static key(path: string): string | undefined {
    if (path === '' || path.startsWith('/')) return undefined;
    const normal = posix.normalize(path);
    if (normal === '..' || normal.startsWith('../')) return undefined;
    return normal.startsWith('./') ? normal.slice(2) : normal;
  }
}
