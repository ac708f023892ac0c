/**
 * The config files a DAG file may read while it is read (FrontendOptions.files): the files of the
 * DAGs folder that its sources (and its local modules') name in string literals — `"tables.yaml"`,
 * `"configs/etl.json"`, or a folder and a name joined (`os.path.join(dirname(__file__), "configs",
 * "etl.json")`, `Path(__file__).parent / "configs" / "etl.json"`) — looked up beside the source that
 * names them and at the folder's top. Only regular files inside the folder (symbolic links
 * resolved), of bounded size and number: the reader never touches the disk itself.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
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
    const real = realpathSync(resolve(root, key));
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith('..') || rel.startsWith(sep) || resolve(root, rel) !== real) return undefined;
    const stat = statSync(real);
    if (!stat.isFile() || stat.size > PARSE_FILE_LIMITS.bytes) return undefined;
    return readFileSync(real, 'utf8');
  } catch {
    return undefined;
  }
}
