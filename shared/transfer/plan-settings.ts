/** Planning the settings parts of an import: variables, connections (secrets opened and sealed again), pools, roles, users. */
import { isRoleName, parsePair } from '../api/auth/permissions.js';
import type { SecretCipher } from '../api/secrets/cipher.js';
import { decryptConnection, encryptConnection, encryptVariable, variableValue, type PlainConnection } from '../api/secrets/records.js';
import type { ConnectionRecord, PermissionPair, UserRecord } from '../model/records.js';
import { secretContext, TransferError, type TransferDeps } from './layout.js';
import { note, type Plan } from './plan.js';
import { openSealed } from './sealing.js';

export type VariableDoc = { key: string; description?: string | null; value_sealed?: string }[];
export type ConnectionDoc = (Omit<PlainConnection, 'password' | 'extra' | 'description' | 'host' | 'schema' | 'login' | 'port'> & Partial<PlainConnection> & { password_sealed?: string; extra_sealed?: string })[];

export async function planVariables(deps: TransferDeps, doc: VariableDoc, sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
  let withoutValue = 0;
  for (const v of unique(doc, (x) => x.key, 'variables.json')) {
    const existing = await deps.store.getVariable(v.key);
    const current = existing && { value: variableValue(deps.cipher, existing), description: existing.description };
    if (v.value_sealed !== undefined && !sealer) throw new TransferError(`variables.json: '${v.key}' has a sealed value, and the manifest says secrets are omitted`);
    const value = v.value_sealed !== undefined ? openSealed(sealer!, v.value_sealed, secretContext.variable(v.key), `variables.json '${v.key}'`) : current?.value;
    if (value === undefined) {
      withoutValue++;
      continue;
    }
    const next = { value, description: v.description ?? null };
    if (!note(plan.report, 'variables', v.key, current, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putVariable(encryptVariable(deps.cipher, v.key, next.value, next.description));
      return async () => void (existing ? await deps.store.putVariable(existing) : await deps.store.deleteVariable(v.key));
    });
  }
  if (withoutValue) plan.report.notes.push(`${withoutValue} variable(s) are not created: the archive has no value for them (exported without a passphrase)`);
}

export async function planConnections(deps: TransferDeps, doc: ConnectionDoc, sealer: SecretCipher | undefined, plan: Plan): Promise<void> {
  for (const c of unique(doc, (x) => x.conn_id, 'connections.json')) {
    const existing: ConnectionRecord | undefined = await deps.store.getConnection(c.conn_id);
    const current = existing && decryptConnection(deps.cipher, existing);
    const secret = (field: 'password' | 'extra', sealed: string | undefined): string | null => {
      if (sealed === undefined) return current?.[field] ?? null;
      if (!sealer) throw new TransferError(`connections.json: '${c.conn_id}' has a sealed ${field}, and the manifest says secrets are omitted`);
      return openSealed(sealer, sealed, secretContext.connection(c.conn_id, field), `connections.json '${c.conn_id}' ${field}`);
    };
    const next: PlainConnection = {
      conn_id: c.conn_id,
      conn_type: c.conn_type,
      description: c.description ?? null,
      host: c.host ?? null,
      schema: c.schema ?? null,
      login: c.login ?? null,
      password: secret('password', c.password_sealed),
      port: c.port ?? null,
      extra: secret('extra', c.extra_sealed),
    };
    if (next.extra) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(next.extra);
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TransferError(`connections.json: the extra of '${c.conn_id}' is not a JSON object`);
    }
    if (!note(plan.report, 'connections', c.conn_id, current, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putConnection(encryptConnection(deps.cipher, next));
      return async () => void (existing ? await deps.store.putConnection(existing) : await deps.store.deleteConnection(c.conn_id));
    });
  }
}

function unique<T>(items: readonly T[], key: (item: T) => string, file: string): readonly T[] {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new TransferError(`${file} names '${k}' twice`);
    seen.add(k);
  }
  return items;
}

export async function planAccounts(deps: TransferDeps, pools: { name: string; slots: number; description?: string | null }[], roles: { name: string; permissions: PermissionPair[] }[], users: Omit<UserRecord, 'password_hash' | 'created_on' | 'changed_on' | 'last_login'>[], plan: Plan): Promise<void> {
  const now = deps.clock().toISOString();
  for (const p of unique(pools, (x) => x.name, 'pools.json')) {
    const existing = await deps.store.getPool(p.name);
    const next = { name: p.name, slots: p.slots, description: p.description ?? null };
    if (!note(plan.report, 'pools', p.name, existing, next, existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putPool(next);
      return async () => void (existing ? await deps.store.putPool(existing) : await deps.store.deletePool(p.name));
    });
  }
  const roleNames = new Set<string>();
  for (const r of unique(roles, (x) => x.name, 'roles.json')) {
    if (isRoleName(r.name)) throw new TransferError(`roles.json: '${r.name}' is a built-in role; its permissions are fixed`);
    const problems = r.permissions.flatMap((pair) => {
      const parsed = parsePair(pair);
      return 'problem' in parsed ? [parsed.problem] : [];
    });
    if (problems.length) throw new TransferError(`roles.json: role '${r.name}': ${[...new Set(problems)].join('; ')}`);
    roleNames.add(r.name);
    const existing = await deps.store.getRole(r.name);
    const key = (pairs: readonly PermissionPair[]) => pairs.map((p) => `${p.action} ${p.resource}`).sort();
    if (!note(plan.report, 'roles', r.name, existing && key(existing.permissions), key(r.permissions), existing !== undefined)) continue;
    plan.writes.push(async () => {
      await deps.store.putRole({ name: r.name, permissions: r.permissions, created_on: existing?.created_on ?? now, changed_on: now });
      return async () => void (existing ? await deps.store.putRole(existing) : await deps.store.deleteRole(r.name));
    });
  }
  let created = 0;
  for (const u of unique(users, (x) => x.username, 'users.json')) {
    for (const role of u.roles) {
      if (!isRoleName(role) && !roleNames.has(role) && !(await deps.store.getRole(role))) throw new TransferError(`users.json: user '${u.username}' has the role '${role}', which is neither built in, in roles.json, nor on this platform`);
    }
    const existing = await deps.store.getUser(u.username);
    if (existing) {
      plan.report.changes.users.unchanged.push(u.username);
      continue;
    }
    plan.report.changes.users.create.push(u.username);
    if (u.auth_source !== 'ldap') created++;
    const record: UserRecord = { ...u, password_hash: '', created_on: now, changed_on: now, last_login: null };
    plan.writes.push(async () => {
      await deps.store.putUser(record, { createOnly: true });
      return async () => void (await deps.store.deleteUser(u.username));
    });
  }
  if (plan.report.changes.users.unchanged.length) plan.report.notes.push('users that exist here are kept as they are (password, roles and state)');
  if (created) plan.report.notes.push(`${created} new local user(s) have no password until an Admin sets one (PATCH /api/v1/users/{username})`);
}
