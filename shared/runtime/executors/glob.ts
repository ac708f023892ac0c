/**
 * Python's `fnmatch` and `glob.glob` semantics, which FileSensor and S3KeySensor patterns follow.
 *
 * fnmatch: `*` any run of characters (also `/`), `?` one character, `[seq]` / `[!seq]` character
 * sets; an unclosed `[` is literal. Matching is case-sensitive (POSIX `fnmatchcase`).
 *
 * glob: the pattern is matched one path segment at a time (so `*` never crosses `/`); names starting
 * with `.` only match a segment that itself starts with `.`; with `recursive`, a `**` segment
 * matches zero or more directories (and, as the last segment, every file below too). Without
 * `recursive`, `**` is the same as `*`.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const MAGIC = /[*?[]/;

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** The body of a regular expression equivalent to Python's `fnmatch.translate(pattern)`. */
export function fnmatchSource(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    i++;
    if (c === '*') {
      if (!out.endsWith('[\\s\\S]*')) out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (j < pattern.length && pattern[j] === '!') j++;
      if (j < pattern.length && pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out += '\\[';
      } else {
        let body = pattern.slice(i, j);
        i = j + 1;
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        // Inside a class only `\`, `]` and `^` need escaping; ranges like a-z keep their hyphen.
        const cls = body.replace(/[\\\]^]/g, '\\$&');
        out += negate ? `[^${cls}]` : cls ? `[${cls}]` : '(?!)';
      }
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

export function fnmatchRegExp(pattern: string): RegExp {
  return new RegExp(`^${fnmatchSource(pattern)}$`);
}

/** Python's `fnmatch.fnmatchcase(name, pattern)`. */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegExp(pattern).test(name);
}

async function listDir(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const entries = await readdir(dir || '.', { withFileTypes: true });
    const out: { name: string; isDir: boolean }[] = [];
    for (const entry of entries) {
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) isDir = await stat(path.join(dir || '.', entry.name)).then((s) => s.isDirectory(), () => false);
      out.push({ name: entry.name, isDir });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

const join = (dir: string, name: string) => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);

/** Every non-hidden entry below `dir` (files and directories; directories only when `dirsOnly`). */
async function walkBelow(dir: string, dirsOnly: boolean, seen: Set<string>): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await listDir(dir)) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDir) {
      out.push(full);
      const real = await realpath(full).catch(() => full);
      if (seen.has(real)) continue; // symlink loop
      seen.add(real);
      out.push(...(await walkBelow(full, dirsOnly, seen)));
    } else if (!dirsOnly) {
      out.push(full);
    }
  }
  return out;
}

/** Python's `glob.glob(pattern, recursive=recursive)`, sorted. Relative patterns resolve from the process cwd. */
export async function glob(pattern: string, recursive = false): Promise<string[]> {
  if (!hasMagic(pattern)) {
    const exists = await lstat(pattern).then(
      () => true,
      () => false,
    );
    return exists ? [pattern] : [];
  }
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let candidates: { path: string; isDir: boolean }[] = [{ path: absolute ? '/' : '', isDir: true }];
  if (absolute) segments.shift();
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const last = i === segments.length - 1;
    const next: { path: string; isDir: boolean }[] = [];
    if (recursive && seg === '**') {
      for (const c of candidates) {
        if (!c.isDir) continue;
        next.push(c); // zero directories
        const seen = new Set<string>();
        for (const p of await walkBelow(c.path, !last, seen)) {
          next.push({ path: p, isDir: !last || (await stat(p).then((s) => s.isDirectory(), () => false)) });
        }
      }
    } else if (hasMagic(seg)) {
      const re = fnmatchRegExp(seg);
      const showHidden = seg.startsWith('.');
      for (const c of candidates) {
        if (!c.isDir) continue;
        for (const entry of await listDir(c.path)) {
          if (!showHidden && entry.name.startsWith('.')) continue;
          if (!last && !entry.isDir) continue;
          if (re.test(entry.name)) next.push({ path: join(c.path, entry.name), isDir: entry.isDir });
        }
      }
    } else {
      for (const c of candidates) {
        if (!c.isDir) continue;
        const p = join(c.path, seg);
        const info = await lstat(p).catch(() => undefined);
        if (!info) continue;
        const isDir = info.isDirectory() || (info.isSymbolicLink() && (await stat(p).then((s) => s.isDirectory(), () => false)));
        next.push({ path: p, isDir });
      }
    }
    candidates = next;
  }
  const results = candidates.map((c) => (c.path === '' ? '.' : c.path));
  return [...new Set(results)].sort();
}
