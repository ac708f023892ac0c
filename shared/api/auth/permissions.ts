/**
 * Roles and permissions: the single table every route's authorization comes from.
 *
 * Airflow 2's default roles are cumulative (FAB security manager `ROLE_CONFIGS`): Viewer ⊂ User ⊂ Op ⊂
 * Admin, and Public has nothing. Each permission below therefore names the *least* role that holds it,
 * copied from Airflow's `VIEWER_PERMISSIONS`, `USER_PERMISSIONS`, `OP_PERMISSIONS` and
 * `ADMIN_PERMISSIONS` (airflow/www/security_manager.py, 2.x):
 * - Viewer reads DAGs, DAG runs, task instances, task logs, XComs and import errors — not variables,
 *   connections or pools (those are Op's "Admin menu").
 * - User adds editing DAGs (pause), creating/editing/deleting DAG runs and task instances (trigger,
 *   mark, clear).
 * - Op adds CRUD on variables, connections and pools.
 * - Admin adds users and roles, and reading the audit log: Airflow 2.9 revoked "can read on Audit Logs"
 *   from every role but Admin (apache/airflow#37501), which is also the fix for Couture's audit log
 *   being readable by everyone.
 * skydag-only: uploading DAG files puts code on the platform that the Python runner executes, so it
 * needs Op (the role already trusted with connections and variables); Couture's separate "Developer"
 * role is not carried over.
 */
import type { RoleName } from '../../model/records.js';

export const ROLES: readonly RoleName[] = ['Public', 'Viewer', 'User', 'Op', 'Admin'];

/** Position in the cumulative hierarchy (Public holds nothing). */
export const ROLE_RANK: Readonly<Record<RoleName, number>> = { Public: 0, Viewer: 1, User: 2, Op: 3, Admin: 4 };

type GrantingRole = Exclude<RoleName, 'Public'>;

/** Every permission the API checks, with the least role that holds it (the table tests iterate). */
export const PERMISSION_MIN_ROLE = {
  'read:dags': 'Viewer',
  'edit:dags': 'User',
  'read:dag_runs': 'Viewer',
  'create:dag_runs': 'User',
  'edit:dag_runs': 'User',
  'delete:dag_runs': 'User',
  'read:task_instances': 'Viewer',
  'edit:task_instances': 'User',
  'read:task_logs': 'Viewer',
  'read:xcoms': 'Viewer',
  'read:import_errors': 'Viewer',
  'read:variables': 'Op',
  'create:variables': 'Op',
  'edit:variables': 'Op',
  'delete:variables': 'Op',
  'read:connections': 'Op',
  'create:connections': 'Op',
  'edit:connections': 'Op',
  'delete:connections': 'Op',
  'read:pools': 'Op',
  'create:pools': 'Op',
  'edit:pools': 'Op',
  'delete:pools': 'Op',
  'create:dag_files': 'Op',
  'read:audit_log': 'Admin',
  'read:users': 'Admin',
  'create:users': 'Admin',
  'edit:users': 'Admin',
  'delete:users': 'Admin',
  'read:roles': 'Admin',
} as const satisfies Record<string, GrantingRole>;

export type Permission = keyof typeof PERMISSION_MIN_ROLE;
export const PERMISSIONS = Object.keys(PERMISSION_MIN_ROLE) as Permission[];

export function roleHasPermission(role: RoleName, permission: Permission): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[PERMISSION_MIN_ROLE[permission]];
}

/** A user holds the union of their roles' permissions. */
export function permissionsOf(roles: readonly RoleName[]): Set<Permission> {
  return new Set(PERMISSIONS.filter((p) => roles.some((r) => roleHasPermission(r, p))));
}

export function isRoleName(value: unknown): value is RoleName {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What a route requires: nothing at all (health, version, login), any signed-in user, or every listed permission. */
export type Access = { public: true } | { public?: false; permissions: readonly Permission[] };
