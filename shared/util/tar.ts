/**
 * A small ustar reader and writer for the import/export archives (tar.gz), with the checks an
 * upload needs: only regular files and folders, relative names without `..`, bounded entry count and
 * size. Hand-written because the format is 512-byte headers and the archives are small; a general
 * tar library would have to be configured into the same refusals (Couture extracted uploaded
 * archives with `extractall` and no member checks: tar-slip, couture-reference §6.2).
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

export interface TarEntry {
  path: string;
  data: Buffer;
}

export interface ReadLimits {
  maxEntries: number;
  maxBytes: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(path: string, size: number, type: '0' | '5', mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', 154);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new ArchiveError(`path too long for a tar entry: ${path}`);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** A gzip-compressed ustar archive of `entries` (folders are added for every parent path). */
export function writeTarGz(entries: readonly TarEntry[], mtime = new Date(0)): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  const folders = new Set<string>();
  for (const entry of entries) {
    const segments = entry.path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const folder = `${segments.slice(0, i).join('/')}/`;
      if (!folders.has(folder)) {
        folders.add(folder);
        parts.push(header(folder, 0, '5', seconds));
      }
    }
    parts.push(header(entry.path, entry.data.length, '0', seconds), entry.data);
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}

function text(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/** The regular files of a tar.gz, checked (see the module comment); ArchiveError says what is wrong. */
export function readTarGz(archive: Buffer, limits: ReadLimits): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: limits.maxBytes + 1024 * 1024 });
  } catch (error) {
    throw new ArchiveError(/maxOutputLength|buffer/i.test((error as Error).message) ? `the archive unpacks to more than ${limits.maxBytes} bytes` : 'not a gzip file (expected a .tar.gz archive)');
  }
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  let count = 0;
  while (offset + BLOCK <= tar.length) {
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (parseInt(text(h, 148, 8).trim(), 8) !== sum) throw new ArchiveError(`not a tar archive (bad header checksum at byte ${offset})`);
    const prefix = text(h, 345, 155);
    const path = prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100);
    const size = parseInt(text(h, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`not a tar archive (bad size field at byte ${offset})`);
    if (++count > limits.maxEntries) throw new ArchiveError(`the archive has more than ${limits.maxEntries} entries`);
    const clean = path.replace(/\/+$/, '');
    if (!clean || clean.startsWith('/') || clean.includes('\\') || clean.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      throw new ArchiveError(`unsafe path in the archive: ${JSON.stringify(path.slice(0, 200))}`);
    }
    if (type === '5') {
      // a folder: nothing to keep
    } else if (type === '0' || type === '\0') {
      if (offset + BLOCK + size > tar.length) throw new ArchiveError(`the archive is truncated (${path})`);
      // Which copy wins would depend on the reader: an archive naming a file twice is refused.
      if (seen.has(clean)) throw new ArchiveError(`the archive holds ${JSON.stringify(clean.slice(0, 200))} twice`);
      seen.add(clean);
      entries.push({ path: clean, data: Buffer.from(tar.subarray(offset + BLOCK, offset + BLOCK + size)) });
    } else {
      throw new ArchiveError(`${path}: only files and folders are allowed in the archive (not links or devices; entry type '${type}')`);
    }
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

export function isGzip(body: Uint8Array): boolean {
  return body.length > 2 && body[0] === 0x1f && body[1] === 0x8b;
}
