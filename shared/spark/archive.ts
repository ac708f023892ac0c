/**
 * Config groups as a tar.gz (Couture's `configs.tar.gz`, couture-reference §3.3, without its bugs):
 *
 *   configs/default                          the default group's name
 *   configs/<group>/group.json               engine, arguments, configurations, kerberos principal/path
 *   configs/<group>/hadoop/<file>-site.xml   one Hadoop XML file each
 *   configs/<group>/keytab                   only with secrets: the Kerberos keytab
 *   configs/<group>/livy-password            only with secrets
 *
 * Import checks the whole archive — paths, group names, every group, every XML file — before it
 * writes anything; then each group is created or replaced (groups not in the archive are kept).
 */
import { ArchiveError, isGzip, readTarGz, writeTarGz, type TarEntry } from '../util/tar.js';
import { checkGroupInput, MAX_KEYTAB_BYTES, type ConfigGroupStore, type GroupSecretsChange } from './config-groups.js';
import { parseHadoopXml, writeHadoopXml } from './hadoop-xml.js';
import { checkGroupName, checkHadoopFileName, SparkInputError } from './names.js';

const ROOT = 'configs';
export const MAX_CONFIG_ARCHIVE_BYTES = 20 * 1024 * 1024;

export const isTarGz = isGzip;

/** The entries of the config-group part of an archive (under `configs/`); secrets in clear only when asked. */
export async function configGroupEntries(store: ConfigGroupStore, options: { withSecrets: boolean }): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const fallback = await store.defaultName();
  if (fallback) entries.push({ path: `${ROOT}/default`, data: Buffer.from(`${fallback}\n`) });
  for (const group of await store.list()) {
    const { secrets: _s, updated_at: _u, hadoop, ...rest } = group;
    entries.push({ path: `${ROOT}/${group.name}/group.json`, data: Buffer.from(`${JSON.stringify(rest, null, 2)}\n`) });
    for (const [file, props] of Object.entries(hadoop)) entries.push({ path: `${ROOT}/${group.name}/hadoop/${file}`, data: Buffer.from(writeHadoopXml(props)) });
    if (options.withSecrets) {
      const keytab = store.keytab(group);
      if (keytab) entries.push({ path: `${ROOT}/${group.name}/keytab`, data: keytab });
      const password = store.livyPassword(group);
      if (password !== undefined) entries.push({ path: `${ROOT}/${group.name}/livy-password`, data: Buffer.from(password) });
    }
  }
  return entries;
}

export async function exportConfigGroups(store: ConfigGroupStore, options: { withSecrets: boolean }): Promise<Buffer> {
  return writeTarGz(await configGroupEntries(store, options));
}

/** Config groups read from an archive and checked, not yet written. */
export interface CheckedConfigGroups {
  groups: { name: string; raw: Record<string, unknown>; secrets: GroupSecretsChange }[];
  defaultName: string | undefined;
}

/**
 * Reads and checks the `configs/` entries of an archive (every entry must be under it): group names,
 * every group, every XML file; SparkInputError says what is wrong. Nothing is written.
 */
export async function checkConfigGroupEntries(store: ConfigGroupStore, entries: readonly TarEntry[]): Promise<CheckedConfigGroups> {
  const groups = new Map<string, { raw?: unknown; hadoop: Record<string, unknown>; secrets: GroupSecretsChange }>();
  let defaultName: string | undefined;
  for (const entry of entries) {
    const parts = entry.path.split('/').slice(1);
    if (parts.length === 1 && parts[0] === 'default') {
      defaultName = checkGroupName(entry.data.toString('utf8').trim());
      continue;
    }
    const name = checkGroupName(parts[0]);
    const group = groups.get(name) ?? { hadoop: {}, secrets: {} };
    groups.set(name, group);
    const rest = parts.slice(1).join('/');
    if (rest === 'group.json') {
      try {
        group.raw = JSON.parse(entry.data.toString('utf8'));
      } catch {
        throw new SparkInputError(`${entry.path}: not valid JSON`);
      }
    } else if (parts.length === 3 && parts[1] === 'hadoop') {
      group.hadoop[checkHadoopFileName(parts[2])] = parseHadoopXml(entry.data, entry.path);
    } else if (rest === 'keytab') group.secrets.keytab = entry.data;
    else if (rest === 'livy-password') group.secrets.livyPassword = entry.data.toString('utf8');
    else throw new SparkInputError(`${entry.path}: not part of a config group archive`);
  }
  const checked: CheckedConfigGroups['groups'] = [];
  for (const [name, group] of groups) {
    if (group.raw === undefined) throw new SparkInputError(`${ROOT}/${name}/ has no group.json`);
    const raw: Record<string, unknown> = { ...(group.raw as Record<string, unknown>), hadoop: group.hadoop };
    if (raw.name !== name) throw new SparkInputError(`${ROOT}/${name}/group.json names the group '${String(raw.name)}'`);
    checkGroupInput(raw);
    if (group.secrets.keytab && group.secrets.keytab.length > MAX_KEYTAB_BYTES) throw new SparkInputError(`${ROOT}/${name}/keytab is larger than ${MAX_KEYTAB_BYTES / 1024} KiB`);
    checked.push({ name, raw, secrets: group.secrets });
  }
  if (defaultName !== undefined && !groups.has(defaultName) && !(await store.get(defaultName))) throw new SparkInputError(`the archive's default group '${defaultName}' is neither in the archive nor on this platform`);
  return { groups: checked, defaultName };
}

/** Writes checked groups (each created or replaced; groups not in the archive are kept) and the default. */
export async function applyConfigGroups(store: ConfigGroupStore, checked: CheckedConfigGroups): Promise<void> {
  for (const { raw, secrets } of checked.groups) await store.put(raw, secrets);
  if (checked.defaultName !== undefined) await store.setDefault(checked.defaultName);
}

/** Imports every group of the archive (all checked first); returns their names. */
export async function importConfigGroups(store: ConfigGroupStore, archive: Buffer): Promise<string[]> {
  let entries: TarEntry[];
  try {
    entries = readTarGz(archive, { maxEntries: 2000, maxBytes: MAX_CONFIG_ARCHIVE_BYTES });
  } catch (error) {
    if (error instanceof ArchiveError) throw new SparkInputError(error.message);
    throw error;
  }
  const roots = new Set(entries.map((e) => e.path.split('/')[0]));
  if (roots.size !== 1 || !roots.has(ROOT)) throw new SparkInputError(`the archive must hold a single '${ROOT}/' folder (as config-groups export writes it)`);
  const checked = await checkConfigGroupEntries(store, entries);
  await applyConfigGroups(store, checked);
  return checked.groups.map((g) => g.name);
}
