/**
 * The platform archive (`skydag export` / `POST /api/v1/export`), a tar.gz:
 *
 *   manifest.json                 format, version, when, secrets (`sealed` + scrypt parameters, or `omitted`)
 *   dags/files/<path>             each DAG file as its DAGs' current version was read from it
 *   dags/dags.json                [{dag_id, fileloc, is_paused}]
 *   dags/versions/<dag_id>.json   the DAG's versions: [{version, created_at, fileloc, bundle?, source, git, model}] (an
 *                                 import recreates them, same ids and times, before it writes the files)
 *   configs/...                   config groups, as `config-groups export` writes them; their keytab and
 *                                 Livy password only sealed (`keytab.sealed`, `livy-password.sealed`)
 *   artifacts/<code|dependency>/<name>
 *   variables.json                [{key, description, value_sealed?}]
 *   connections.json              [{conn_id, conn_type, description, host, schema, login, port, password_sealed?, extra_sealed?}]
 *   pools.json                    [{name, slots, description}]
 *   roles.json                    custom roles: [{name, permissions: [{action, resource}]}]
 *   users.json                    [{username, email, first_name, last_name, roles, active, auth_source?}] (never a password hash)
 */
import type { ApiDeps } from '../api/deps.js';

export const ARCHIVE_FORMAT = 'skydag-archive';
/** The header an import's passphrase travels in when the archive is the raw request body. */
export const PASSPHRASE_HEADER = 'x-skydag-archive-passphrase';
export const ARCHIVE_VERSION = 1;

/** Unpacked, an archive may hold at most this much (a gzip bomb is refused as it inflates). */
export const MAX_ARCHIVE_UNPACKED_BYTES = 256 * 1024 * 1024;
export const MAX_ARCHIVE_ENTRIES = 20_000;

/** Files git pulls own (git/<user>/…): they come back with the user's next pull, not through an archive. */
export const GIT_PULLED_PREFIX = 'git/';

export interface Manifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  created_at: string;
  skydag_version: string;
  secrets: 'sealed' | 'omitted';
  kdf?: unknown;
  check?: string;
}

/** An archive that cannot be exported or imported as asked: a 400 that changes nothing. */
export class TransferError extends Error {
  override readonly name = 'TransferError';
}

/** What export and import reach: the API's own dependencies. */
export type TransferDeps = Pick<ApiDeps, 'store' | 'cipher' | 'dagFiles' | 'dagLoader' | 'clock' | 'spark' | 'version'>;

export const secretContext = {
  variable: (key: string) => `archive:variable:${key}`,
  connection: (connId: string, field: 'password' | 'extra') => `archive:connection:${connId}:${field}`,
  group: (name: string, what: 'keytab' | 'livy-password') => `archive:config-group:${name}:${what}`,
};
