/**
 * The config files a DAG file may read while it is read (FrontendOptions.files): the files of the
 * DAGs folder that its sources (and its local modules') name in string literals — `"tables.yaml"`,
 * `"configs/etl.json"`, or a folder and a name joined (`os.path.join(dirname(__file__), "configs",
 * "etl.json")`, `Path(__file__).parent / "configs" / "etl.json"`) — looked up beside the source that
 * names them and at the folder's top. Only regular files inside the folder (symbolic links
 * resolved), of bounded size and number: the reader never touches the disk itself.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { posix, relative, resolve, sep } from 'node:path';
import { ParseFiles } from '../frontends/python/parse-files.js';

export const PARSE_FILE_LIMITS = { files: 50, bytes: 1024 * 1024, totalBytes: 5 * 1024 * 1024, candidates: 2000 } as const;

const NAMED_FILE = /["']([^"'\n\\]{1,300}\.(?:json|ya?ml|txt|cfg|ini|csv|sql|toml|md))["']/g;
const FOLDER_NAME = /["']([A-Za-z0-9_][A-Za-z0-9_.-]{0,100}(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}){0,4})["']/g;

/** `sources`: the DAG file's and its local modules', each with its path relative to the DAGs folder. */
export function parseTimeFiles(dagsFolder: string, sources: readonly { file: string; source: string }[]): Record<string, string> {
  let root: string;
  try {
    root = realpathSync(dagsFolder);
  } catch {
    return {};
  }
  const candidates = new Set<string>();
  for (const { file, source } of sources) {
    const named = [...source.matchAll(NAMED_FILE)].map((m) => m[1]!);
    if (named.length === 0) continue;
    const folders = ['', ...new Set([...source.matchAll(FOLDER_NAME)].map((m) => m[1]!).filter((f) => !/\.(py|json|ya?ml|txt|cfg|ini|csv|sql|toml|md)$/.test(f)))];
    const bases = file.startsWith('/') ? [''] : [posix.dirname(file) === '.' ? '' : posix.dirname(file), ''];
    for (const name of named) {
      for (const base of new Set(bases)) {
        for (const folder of folders) {
          const key = ParseFiles.key(posix.join(base, folder, name));
          if (key !== undefined) candidates.add(key);
          if (candidates.size >= PARSE_FILE_LIMITS.candidates) break;
        }
      }
    }
  }
  const out: Record<string, string> = {};
  let total = 0;
  for (const key of candidates) {
    if (Object.keys(out).length >= PARSE_FILE_LIMITS.files) break;
    const text = readInside(root, key);
    if (text === undefined || total + text.length > PARSE_FILE_LIMITS.totalBytes) continue;
    total += text.length;
    out[key] = text;
  }
  return out;
}

/** The file at `key` when it is a regular file whose real path is inside `root`, within the size limit. */
function readInside(root: string, key: string): string | undefined {
  try {
    const real = realInside(root, key);
    if (real === undefined || real === root) return undefined;
    const stat = statSync(real);
    if (!stat.isFile() || stat.size > PARSE_FILE_LIMITS.bytes) return undefined;
    return readFileSync(real, 'utf8');
  } catch {
    return undefined;
  }
}

/** The real path (symbolic links resolved) of `key` under `root`, or undefined when it leaves `root` (throws when absent). */
function realInside(root: string, key: string): string | undefined {
  const real = realpathSync(resolve(root, key));
  const rel = relative(root, real);
  return rel.startsWith('..') || rel.startsWith(sep) || resolve(root, rel) !== real ? undefined : real;
}

/** At most this many folders are listed for one file, and this many entries of each. */
export const PARSE_FOLDER_LIMITS = { folders: 20, entries: 500 } as const;

/** A call that lists a folder while the file is read. */
const LISTS_FOLDERS = /\b(?:listdir|scandir|iterdir|glob|walk)\(/;
/** A relative folder a literal may name: `configs`, `./configs/etl`, `../shared`. */
const RELATIVE_FOLDER = /["']((?:\.{1,2}\/)*[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}){0,4})\/?["']/g;
/** The folder of a glob pattern a literal holds: `"/configs/*.yaml"` (after `dirname(__file__) + `), `"configs/*.json"`. */
const GLOB_FOLDER = /["']\/?((?:\.{1,2}\/)*[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}){0,4})\/[^"'/\n]*[*?[][^"'/\n]*["']/g;
const CONFIG_FILE = /\.(?:json|ya?ml|txt|cfg|ini|csv|sql|toml|md)$/;

/**
 * The folders of the DAGs folder a DAG file may list while it is read (FrontendOptions.folders: DAG
 * factories over a folder of YAML/JSON configs): for a source that calls `listdir(` / `scandir(` /
 * `glob(` / `iterdir(` / `walk(`, its own folder and the folders its literals name (beside it, above
 * it or at the top), each listed once (every entry, as os.listdir gives them, sorted; folders end in
 * `/`); the config files in them are handed over as `files` (within PARSE_FILE_LIMITS).
 */
export function parseTimeFolders(dagsFolder: string, sources: readonly { file: string; source: string }[], alreadyRead: Readonly<Record<string, string>> = {}): { folders: Record<string, string[]>; files: Record<string, string> } {
  const folders: Record<string, string[]> = {};
  const files: Record<string, string> = {};
  let root: string;
  try {
    root = realpathSync(dagsFolder);
  } catch {
    return { folders, files };
  }
  const candidates = new Set<string>();
  for (const { file, source } of sources) {
    if (!LISTS_FOLDERS.test(source) || file.startsWith('/')) continue;
    const own = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    candidates.add(own);
    const bases = [...new Set([own, posix.dirname(own) === '.' ? '' : posix.dirname(own), ''])];
    for (const m of [...source.matchAll(RELATIVE_FOLDER), ...source.matchAll(GLOB_FOLDER)]) {
      if (CONFIG_FILE.test(m[1]!) || m[1]!.endsWith('.py')) continue;
      for (const base of bases) {
        const key = ParseFiles.folderKey(posix.join(base, m[1]!));
        if (key !== undefined) candidates.add(key);
      }
    }
  }
  let count = Object.keys(alreadyRead).length;
  let total = Object.values(alreadyRead).reduce((n, text) => n + text.length, 0);
  for (const key of candidates) {
    if (Object.keys(folders).length >= PARSE_FOLDER_LIMITS.folders) break;
    const entries = listInside(root, key);
    if (!entries) continue;
    folders[key] = entries.map((e) => (e.dir ? `${e.name}/` : e.name));
    for (const e of entries) {
      const path = key === '' ? e.name : `${key}/${e.name}`;
      if (e.dir || !CONFIG_FILE.test(e.name) || Object.hasOwn(alreadyRead, path) || Object.hasOwn(files, path) || count >= PARSE_FILE_LIMITS.files) continue;
      const text = readInside(root, path);
      if (text === undefined || total + text.length > PARSE_FILE_LIMITS.totalBytes) continue;
      files[path] = text;
      count++;
      total += text.length;
    }
  }
  return { folders, files };
}

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The entries of the folder at `key` when it is a folder whose real path is inside `root`. */
function listInside(root: string, key: string): { name: string; dir: boolean }[] | undefined {
  try {
    const real = realInside(root, key);
    if (real === undefined || !statSync(real).isDirectory()) return undefined;
    return readdirSync(real, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, PARSE_FOLDER_LIMITS.entries)
      // A symbolic link is what it points to (os.scandir's is_dir() follows links).
      .map((e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && isFolder(resolve(real, e.name))) }));
  } catch {
    return undefined;
  }
}
