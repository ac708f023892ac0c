/**
 * Users and roles (Admin). Passwords are write-only (scrypt-hashed); changing a user's password,
 * roles or active flag invalidates their existing tokens. The last active Admin can be neither
 * deleted, disabled nor demoted. A user holds built-in roles and custom roles (routes/roles.ts).
 */
import type { UserRecord } from '../../model/records.js';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { ROLES, isRoleName } from '../auth/permissions.js';
import { nextChangedOn, USERNAME_PATTERN } from '../auth/users.js';
import { USER_SCHEMA, collectionSchema } from '../response-schemas.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { alreadyExists, badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { serializeUser } from '../serialize.js';
import type { JsonSchema } from '../validation.js';
import { UPDATE_MASK_QUERY, updateMask } from './dags.js';

interface UserBody {
  username?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  roles?: { name: string }[];
  password?: string;
  active?: boolean;
}

const USER_BODY: JsonSchema = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 256, pattern: USERNAME_PATTERN.source },
    email: { type: 'string', minLength: 1, maxLength: 320 },
    first_name: { type: 'string', maxLength: 256 },
    last_name: { type: 'string', maxLength: 256 },
    roles: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
    password: { type: 'string' },
    active: { type: 'boolean' },
  },
  additionalProperties: false,
};

const ORDER: Record<string, (u: UserRecord) => string | number | boolean | null> = {
  username: (u) => u.username,
  id: (u) => timeOf(u.created_on),
  email: (u) => u.email,
  first_name: (u) => u.first_name,
  last_name: (u) => u.last_name,
  active: (u) => u.active,
  created_on: (u) => timeOf(u.created_on),
  last_login: (u) => timeOf(u.last_login),
};

/** The roles a body gives, each a built-in role or an existing custom role. */
async function rolesOf(deps: ApiDeps, body: UserBody): Promise<string[] | undefined> {
  if (!body.roles) return undefined;
  const names = [...new Set(body.roles.map((r) => r.name))];
  const custom = names.some((n) => !isRoleName(n)) ? (await deps.store.listRoles()).items.map((r) => r.name) : [];
  const unknown = names.filter((n) => !isRoleName(n) && !custom.includes(n));
  if (unknown.length) throw badRequest(`Unknown role(s): ${unknown.join(', ')} (known: ${[...ROLES, ...custom].join(', ')})`);
  return names;
}

async function requireUser(deps: ApiDeps, username: string): Promise<UserRecord> {
  const user = await deps.store.getUser(username);
  if (!user) throw notFound('User not found', `The User with username \`${username}\` was not found`);
  return user;
}

const isActiveAdmin = (u: UserRecord) => u.active && u.roles.includes('Admin');

/** Refuses a change that would leave the platform without an active Admin. */
async function keepAnAdmin(deps: ApiDeps, username: string, after: UserRecord | undefined): Promise<void> {
  if (after && isActiveAdmin(after)) return;
  const others = (await deps.store.listUsers()).items.filter((u) => u.username !== username && isActiveAdmin(u));
  if (others.length === 0) throw badRequest(`'${username}' is the last active Admin: create or enable another Admin first`);
}

export const userRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_users',
    method: 'GET',
    path: '/api/v1/users',
    access: { permissions: ['read:users'] },
    dags: 'none',
    summary: 'List users.',
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    response: collectionSchema('users', USER_SCHEMA),
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const sorted = sortItems((await deps.store.listUsers()).items, query.order_by, 'username', ORDER);
      return { users: paginate(sorted, page).map(serializeUser), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_user',
    method: 'GET',
    path: '/api/v1/users/{username}',
    access: { permissions: ['read:users'] },
    dags: 'none',
    summary: 'Get a user.',
    response: USER_SCHEMA,
    async handle({ deps, params }) {
      return serializeUser(await requireUser(deps, params.username!));
    },
  }),
  defineRoute<Record<string, never>, Required<Pick<UserBody, 'username' | 'email' | 'password'>> & UserBody>({
    id: 'post_user',
    method: 'POST',
    path: '/api/v1/users',
    access: { permissions: ['create:users'] },
    dags: 'none',
    summary: 'Create a user.',
    body: { ...USER_BODY, required: ['username', 'email', 'password', 'roles'] },
    audit: { event: 'user.create' },
    response: USER_SCHEMA,
    async handle({ deps, body }) {
      const problem = passwordProblem(body.password);
      if (problem) throw badRequest(problem);
      const roles = (await rolesOf(deps, body)) ?? [];
      if (await deps.store.getUser(body.username)) throw alreadyExists(`Username \`${body.username}\` already exists. Use PATCH to update.`);
      const emails = (await deps.store.listUsers()).items.map((u) => u.email.toLowerCase());
      if (emails.includes(body.email.toLowerCase())) throw alreadyExists(`The email \`${body.email}\` is already taken.`);
      const now = deps.clock().toISOString();
      const user: UserRecord = {
        username: body.username,
        email: body.email,
        first_name: body.first_name ?? '',
        last_name: body.last_name ?? '',
        password_hash: await hashPassword(body.password),
        roles,
        active: body.active ?? true,
        created_on: now,
        changed_on: now,
        last_login: null,
      };
      await deps.store.putUser(user, { createOnly: true });
      return serializeUser(user);
    },
  }),
  defineRoute<{ update_mask?: string[] }, UserBody>({
    id: 'patch_user',
    method: 'PATCH',
    path: '/api/v1/users/{username}',
    access: { permissions: ['edit:users'] },
    dags: 'none',
    summary: 'Update a user (update_mask: email, first_name, last_name, roles, password, active).',
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: USER_BODY,
    audit: { event: 'user.update' },
    response: USER_SCHEMA,
    async handle({ deps, params, query, body }) {
      const username = params.username!;
      if (body.username !== undefined && body.username !== username) throw badRequest('The username cannot be changed.');
      const updatable = ['email', 'first_name', 'last_name', 'roles', 'password', 'active'] as const;
      const mask = updateMask(query.update_mask);
      const unknown = mask?.filter((f) => !(updatable as readonly string[]).includes(f));
      if (unknown?.length) throw badRequest(`'${unknown.join("', '")}' is unknown or cannot be updated.`);
      const fields = mask ?? updatable.filter((f) => f in body);
      const current = await requireUser(deps, username);
      const next: UserRecord = { ...current };
      let invalidatesTokens = false;
      for (const field of fields) {
        switch (field) {
          case 'password': {
            if (body.password === undefined) throw badRequest("field 'password' is required when update_mask names it");
            const problem = passwordProblem(body.password);
            if (problem) throw badRequest(problem);
            next.password_hash = await hashPassword(body.password);
            invalidatesTokens = true;
            break;
          }
          case 'roles':
            next.roles = (await rolesOf(deps, body)) ?? [];
            invalidatesTokens = true;
            break;
          case 'active':
            next.active = body.active ?? current.active;
            invalidatesTokens = true;
            break;
          case 'email':
            if (body.email !== undefined) {
              const taken = (await deps.store.listUsers()).items.some((u) => u.username !== username && u.email.toLowerCase() === body.email!.toLowerCase());
              if (taken) throw alreadyExists(`The email \`${body.email}\` is already taken.`);
              next.email = body.email;
            }
            break;
          case 'first_name':
          case 'last_name':
            next[field] = body[field] ?? '';
            break;
        }
      }
      if (isActiveAdmin(current)) await keepAnAdmin(deps, username, next);
      // Tokens issued before changed_on are refused: a password/role/active change signs the user out.
      next.changed_on = invalidatesTokens ? nextChangedOn(current.changed_on, deps.clock()) : current.changed_on;
      await deps.store.putUser(next);
      return serializeUser(next);
    },
  }),
  defineRoute({
    id: 'delete_user',
    method: 'DELETE',
    path: '/api/v1/users/{username}',
    access: { permissions: ['delete:users'] },
    dags: 'none',
    summary: 'Delete a user (not the last active Admin).',
    audit: { event: 'user.delete' },
    async handle({ deps, params }) {
      const user = await requireUser(deps, params.username!);
      if (isActiveAdmin(user)) await keepAnAdmin(deps, user.username, undefined);
      await deps.store.deleteUser(user.username);
      return noContent();
    },
  }),
];
