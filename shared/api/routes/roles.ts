/**
 * Roles and permissions (Airflow 2's `/roles` and `/permissions`, Admin): the five built-in roles
 * (fixed: their permissions are the table in auth/permissions.ts) and custom roles stored in the
 * metadata store, each a list of Airflow (action, resource) pairs — global resources (`DAG Runs`,
 * `Variables`, ...) and single DAGs (`DAG:<dag_id>` with can_read, can_edit, can_delete).
 *
 * A role as shown includes the per-DAG grants that DAG files' access_control gives it, as Airflow
 * syncs them into the role; for a DAG whose file sets access_control, the file's grants are the ones
 * in force (auth/dag-access.ts), so stored grants on that DAG are not shown. Renaming or deleting a
 * custom role renames it in, or removes it from, every user holding it (FAB's cascade).
 */
import type { DagRecord, PermissionPair, RoleRecord, UserRecord } from '../../model/records.js';
import { DAG_ACTIONS, ROLE_NAME_MAX_LENGTH, ROLE_NAME_PATTERN } from '../../model/constants.js';
import { PERMISSIONS, ROLES, dagResource, isRoleName, pairOf, parsePair, roleHasPermission } from '../auth/permissions.js';
import { nextChangedOn } from '../auth/users.js';
import { ROLE_SCHEMA, collectionSchema } from '../response-schemas.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, type PageQuery } from '../listing.js';
import { alreadyExists, badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import type { JsonSchema } from '../validation.js';
import { UPDATE_MASK_QUERY, updateMask } from './dags.js';

interface RoleBody {
  name?: string;
  actions?: { action: { name: string }; resource: { name: string } }[];
}

const ROLE_BODY: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: ROLE_NAME_MAX_LENGTH, pattern: ROLE_NAME_PATTERN.source },
    actions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          action: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['name'], additionalProperties: false },
          resource: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 300 } }, required: ['name'], additionalProperties: false },
        },
        required: ['action', 'resource'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

/** The pairs of a request body, validated (every problem at once) and without duplicates. */
function pairsOf(body: RoleBody): PermissionPair[] {
  const pairs = (body.actions ?? []).map((a) => ({ action: a.action.name, resource: a.resource.name }));
  const problems = pairs.flatMap((p) => {
    const parsed = parsePair(p);
    return 'problem' in parsed ? [parsed.problem] : [];
  });
  if (problems.length) throw badRequest([...new Set(problems)].join('; '));
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const key = `${p.action}\u0000${p.resource}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** What every role is shown with: its global pairs, and its per-DAG pairs as they are in force. */
function effectivePairs(role: string, stored: readonly PermissionPair[] | undefined, dags: ReadonlyMap<string, DagRecord>): PermissionPair[] {
  const global = isRoleName(role) ? PERMISSIONS.filter((p) => roleHasPermission(role, p)).map(pairOf) : [];
  const perDag = new Map<string, Set<string>>();
  const grant = (dagId: string, action: string) => {
    let actions = perDag.get(dagId);
    if (!actions) perDag.set(dagId, (actions = new Set()));
    actions.add(action);
  };
  for (const pair of stored ?? []) {
    const parsed = parsePair(pair);
    if ('permission' in parsed) global.push(pair);
    else if ('dagId' in parsed && !dags.get(parsed.dagId)?.access_control) grant(parsed.dagId, parsed.action);
  }
  for (const dag of dags.values()) {
    const file = dag.access_control;
    if (file && Object.hasOwn(file, role)) for (const action of file[role]!) grant(dag.dag_id, action);
  }
  const dagPairs = [...perDag.keys()].sort().flatMap((dagId) => DAG_ACTIONS.filter((a) => perDag.get(dagId)!.has(a)).map((action) => ({ action, resource: dagResource(dagId) })));
  return [...global, ...dagPairs];
}

function serializeRole(name: string, pairs: readonly PermissionPair[]) {
  return { name, actions: pairs.map((p) => ({ action: { name: p.action }, resource: { name: p.resource } })) };
}

async function dagRecords(deps: ApiDeps): Promise<Map<string, DagRecord>> {
  return new Map((await deps.store.listDags({ includeInactive: true })).items.map((d) => [d.dag_id, d]));
}

const roleNotFound = (name: string) => notFound('Role not found', `The Role with name \`${name}\` was not found`);

function refuseBuiltIn(name: string): void {
  if (isRoleName(name)) throw badRequest(`'${name}' is a built-in role: its permissions are fixed (create a custom role with POST /roles instead)`);
}

/** Refuses a name taken by a built-in or custom role, case-insensitively (`admin` would be mistaken for Admin). */
async function requireFreeName(deps: ApiDeps, name: string): Promise<void> {
  const lower = name.toLowerCase();
  const taken = [...ROLES, ...(await deps.store.listRoles()).items.map((r) => r.name)].find((n) => n.toLowerCase() === lower);
  if (taken) throw alreadyExists(`Role with name \`${taken}\` already exists; please update with the PATCH endpoint`);
}

async function requireCustomRole(deps: ApiDeps, name: string): Promise<RoleRecord> {
  if (isRoleName(name)) refuseBuiltIn(name);
  const role = await deps.store.getRole(name);
  if (!role) throw roleNotFound(name);
  return role;
}

/** Renames a role in (or, with `to` undefined, removes it from) every user that holds it. */
async function replaceInUsers(deps: ApiDeps, from: string, to: string | undefined): Promise<void> {
  const holders = (await deps.store.listUsers()).items.filter((u) => u.roles.includes(from));
  for (const user of holders) {
    const roles = [...new Set(user.roles.flatMap((r) => (r === from ? (to === undefined ? [] : [to]) : [r])))];
    // Roles are read on every request, so the change applies at once without signing anyone out.
    const next: UserRecord = { ...user, roles };
    await deps.store.putUser(next);
  }
}

const ORDER: Record<string, (r: { name: string }) => string> = { name: (r) => r.name, role_id: (r) => r.name };

export const roleRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_roles',
    method: 'GET',
    path: '/api/v1/roles',
    access: { permissions: ['read:roles'] },
    dags: 'none',
    summary: 'List roles (built-in and custom) with their permissions, per-DAG grants included.',
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    response: collectionSchema('roles', ROLE_SCHEMA),
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const custom = (await deps.store.listRoles()).items;
      const all = sortItems([...ROLES.map((name) => ({ name, stored: undefined as PermissionPair[] | undefined })), ...custom.map((r) => ({ name: r.name, stored: r.permissions }))], query.order_by, 'name', ORDER);
      const dags = await dagRecords(deps);
      return { roles: paginate(all, page).map((r) => serializeRole(r.name, effectivePairs(r.name, r.stored, dags))), total_entries: all.length };
    },
  }),
  defineRoute({
    id: 'get_role',
    method: 'GET',
    path: '/api/v1/roles/{role_name}',
    access: { permissions: ['read:roles'] },
    dags: 'none',
    summary: 'Get a role with its permissions, per-DAG grants included.',
    response: ROLE_SCHEMA,
    async handle({ deps, params }) {
      const name = params.role_name!;
      const stored = isRoleName(name) ? undefined : await deps.store.getRole(name);
      if (!isRoleName(name) && !stored) throw roleNotFound(name);
      return serializeRole(name, effectivePairs(name, stored?.permissions, await dagRecords(deps)));
    },
  }),
  defineRoute<Record<string, never>, Required<RoleBody>>({
    id: 'post_role',
    method: 'POST',
    path: '/api/v1/roles',
    access: { permissions: ['create:roles'] },
    dags: 'none',
    summary: 'Create a custom role: global permissions and per-DAG ones (DAG:<dag_id>).',
    body: { ...ROLE_BODY, required: ['name', 'actions'] },
    audit: { event: 'role.create' },
    response: ROLE_SCHEMA,
    async handle({ deps, body }) {
      const permissions = pairsOf(body);
      await requireFreeName(deps, body.name);
      const now = deps.clock().toISOString();
      const role: RoleRecord = { name: body.name, permissions, created_on: now, changed_on: now };
      await deps.store.putRole(role, { createOnly: true });
      return serializeRole(role.name, effectivePairs(role.name, role.permissions, await dagRecords(deps)));
    },
  }),
  defineRoute<{ update_mask?: string[] }, RoleBody>({
    id: 'patch_role',
    method: 'PATCH',
    path: '/api/v1/roles/{role_name}',
    access: { permissions: ['edit:roles'] },
    dags: 'none',
    summary: 'Update a custom role (update_mask: name, actions); renaming renames it for its users.',
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: ROLE_BODY,
    audit: { event: 'role.update' },
    response: ROLE_SCHEMA,
    async handle({ deps, params, query, body }) {
      const current = await requireCustomRole(deps, params.role_name!);
      const mask = updateMask(query.update_mask);
      const unknown = mask?.filter((f) => f !== 'name' && f !== 'actions');
      if (unknown?.length) throw badRequest(`'${unknown.join("', '")}' in update_mask is unknown: only name and actions can be updated`);
      const fields = mask ?? (['name', 'actions'] as const).filter((f) => body[f] !== undefined);
      if (fields.includes('name') && body.name === undefined) throw badRequest("field 'name' is required when update_mask names it");
      const next: RoleRecord = { ...current, changed_on: nextChangedOn(current.changed_on, deps.clock()) };
      if (fields.includes('actions')) next.permissions = pairsOf(body);
      if (fields.includes('name') && body.name !== current.name) {
        next.name = body.name!;
        if (next.name.toLowerCase() !== current.name.toLowerCase()) await requireFreeName(deps, next.name);
        // The new name first, then its users, then the old one: a crash in between leaves both names working.
        await deps.store.putRole(next, { createOnly: true });
        await replaceInUsers(deps, current.name, next.name);
        await deps.store.deleteRole(current.name);
      } else {
        await deps.store.putRole(next, { ifChangedOn: current.changed_on });
      }
      return serializeRole(next.name, effectivePairs(next.name, next.permissions, await dagRecords(deps)));
    },
  }),
  defineRoute({
    id: 'delete_role',
    method: 'DELETE',
    path: '/api/v1/roles/{role_name}',
    access: { permissions: ['delete:roles'] },
    dags: 'none',
    summary: 'Delete a custom role; the users holding it lose it.',
    audit: { event: 'role.delete' },
    async handle({ deps, params }) {
      const role = await requireCustomRole(deps, params.role_name!);
      await replaceInUsers(deps, role.name, undefined);
      await deps.store.deleteRole(role.name);
      return noContent();
    },
  }),
  defineRoute<PageQuery, unknown>({
    id: 'get_permissions',
    method: 'GET',
    path: '/api/v1/permissions',
    access: { permissions: ['read:permissions'] },
    dags: 'none',
    summary: 'List the actions, each with the resources it applies to (DAG:<dag_id> takes can_read, can_edit, can_delete).',
    query: { type: 'object', properties: { ...PAGE_QUERY } },
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const byAction = new Map<string, string[]>();
      for (const pair of PERMISSIONS.map(pairOf)) byAction.set(pair.action, [...(byAction.get(pair.action) ?? []), pair.resource]);
      const actions = [...byAction].map(([name, resources]) => ({ name, resources: resources.map((r) => ({ name: r })) }));
      return { actions: paginate(actions, page), total_entries: actions.length };
    },
  }),
];
