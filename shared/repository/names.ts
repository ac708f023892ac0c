/**
 * What users name in the models and datasets repository: kinds, model flavors, names, versions and
 * file names. Names become parts of blob keys (and, locally, file paths), so every entry point (API,
 * CLI, templates) checks them here: no separators, no `..`, no hidden names. Couture stored uploads
 * under the client's file name with no checks at all (couture-reference §3.6, §6).
 */
import type { ModelFlavor, RepositoryKind } from '../model/records.js';

/** Bad input (a 400 in the API, a one-line error in the CLI); nothing was changed. */
export class RepositoryInputError extends Error {
  override readonly name = 'RepositoryInputError';
}

/** The model, dataset, version or upload asked for does not exist (a 404). */
export class RepositoryNotFoundError extends Error {
  override readonly name = 'RepositoryNotFoundError';
}

export const REPOSITORY_KINDS: readonly RepositoryKind[] = ['model', 'dataset'];
export const MODEL_FLAVORS: readonly ModelFlavor[] = ['tensorflow', 'spark', 'pytorch', 'other'];

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : String(value));

export function checkKind(kind: unknown): RepositoryKind {
  if (kind === 'model' || kind === 'dataset') return kind;
  throw new RepositoryInputError(`invalid kind ${shown(kind)}: use 'model' or 'dataset'`);
}

export function checkFlavor(flavor: unknown): ModelFlavor {
  if ((MODEL_FLAVORS as readonly unknown[]).includes(flavor)) return flavor as ModelFlavor;
  throw new RepositoryInputError(`invalid model flavor ${shown(flavor)}: use one of ${MODEL_FLAVORS.join(', ')}`);
}

/** A model or dataset name: 1-100 letters, digits, `_`, `-`, `.`, starting with a letter or digit, no `..`. */
export function checkName(kind: RepositoryKind, name: unknown): string {
  const refuse = (why: string) => new RepositoryInputError(`invalid ${kind} name ${shown(name)}: ${why}`);
  if (typeof name !== 'string' || name.length === 0) throw refuse('it is empty');
  if (name.length > 100) throw refuse('it is longer than 100 characters');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw refuse('use letters, digits, dot, dash and underscore, starting with a letter or digit');
  if (name.includes('..')) throw refuse("it must not contain '..'");
  return name;
}

/** A version as written in a path or template: a positive integer, or `latest`. */
export function parseVersion(version: unknown): number | 'latest' {
  if (version === 'latest' || version === undefined || version === null) return 'latest';
  const n = typeof version === 'number' ? version : typeof version === 'string' && /^\d{1,9}$/.test(version) ? Number(version) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new RepositoryInputError(`invalid version ${shown(version)}: use a positive integer or 'latest'`);
  return n;
}

/** The uploaded file's bare name (what a download is called). */
export function checkFileName(name: unknown): string {
  const refuse = (why: string) => new RepositoryInputError(`invalid file name ${shown(name)}: ${why}`);
  if (typeof name !== 'string' || name.length === 0) throw refuse('it is empty');
  if (name.length > 200) throw refuse('it is longer than 200 characters');
  if (/[/\\]/.test(name)) throw refuse('it must be a bare file name, without directories');
  if (name.startsWith('.')) throw refuse("it must not start with '.'");
  if (!/^[A-Za-z0-9_.+-]+$/.test(name)) throw refuse('only letters, digits, dot, plus, dash and underscore are allowed');
  return name;
}

/** An upload session id as the API hands it out (a UUID). */
export function checkUploadId(id: unknown): string {
  if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new RepositoryNotFoundError(`there is no upload ${shown(id)}`);
  return id;
}

export function checkSha256(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value)) throw new RepositoryInputError(`${what} must be 64 hexadecimal digits (a SHA-256), not ${shown(value)}`);
  return value.toLowerCase();
}
