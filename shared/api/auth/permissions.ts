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
 * role is not carried over. Code artifacts and Spark dependencies are code too (Op); config groups
 * hold cluster credentials (Kerberos, Livy) and are Admin's, as Couture's "Spark Hadoop Config Groups";
 * so is the LDAP sign-in configuration (Couture's "LDAP Configuration", Admin menu), and the platform
 * archive (export carries every file and setting, sealed secrets included; import replaces them).
 * Models and datasets (Couture's "Models and Datasets", Developer and Admin) are read by User, who
 * triggers the runs that use them, and uploaded, described and deleted by Op: a model file is loaded
 * by task code (pickles, TorchScript), so putting one on the platform is trusted like a code artifact.
 *
 * Custom roles (the roles API, stored as RoleRecord) hold any of these permissions, as Airflow's
 * (action, resource) pairs, plus DAG-level actions on single DAGs (`DAG:<dag_id>`). The DAG-level
 * permissions (`read:dags`, `edit:dags`, `delete:dags`) are special: held globally they cover every
 * DAG; otherwise a grant on one DAG covers that DAG (auth/dag-access.ts decides).
 */
import type { PermissionPair, RoleName, RoleRecord } from '../../model/records.js';
import { DAG_ACTIONS, type DagAction } from '../../model/constants.js';

export const ROLES: readonly RoleName[] = ['Public', 'Viewer', 'User', 'Op', 'Admin'];

/** Position in the cumulative hierarchy (Public holds nothing). */
export const ROLE_RANK: Readonly<Record<RoleName, number>> = { Public: 0, Viewer: 1, User: 2, Op: 3, Admin: 4 };

type GrantingRole = Exclude<RoleName, 'Public'>;

/** Every permission the API checks, with the least role that holds it (the table tests iterate). */
export const PERMISSION_MIN_ROLE = {
  'read:dags': 'Viewer',
  'edit:dags': 'User',
  'delete:dags': 'User',
  'read:dag_runs': 'Viewer',
  'create:dag_runs': 'User',
  'edit:dag_runs': 'User',
  'delete:dag_runs': 'User',
  'read:task_instances': 'Viewer',
  'edit:task_instances': 'User',
  'read:task_logs': 'Viewer',
  'read:xcoms': 'Viewer',
  'read:import_errors': 'Viewer',
  // Airflow's "Datasets" (data-aware scheduling): read by Viewer; posting an event starts consumer runs, so Op.
  'read:dataset_events': 'Viewer',
  'create:dataset_events': 'Op',
  'read:sla_misses': 'Viewer',
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
  'delete:dag_files': 'Op',
  'read:artifacts': 'Op',
  'create:artifacts': 'Op',
  'delete:artifacts': 'Op',
  'read:models': 'User',
  'create:models': 'Op',
  'edit:models': 'Op',
  'delete:models': 'Op',
  'read:datasets': 'User',
  'create:datasets': 'Op',
  'edit:datasets': 'Op',
  'delete:datasets': 'Op',
  'read:config_groups': 'Admin',
  'edit:config_groups': 'Admin',
  'read:ldap_settings': 'Admin',
  'edit:ldap_settings': 'Admin',
  'read:platform_archive': 'Admin',
  'edit:platform_archive': 'Admin',
  'read:audit_log': 'Admin',
  'read:users': 'Admin',
  'create:users': 'Admin',
  'edit:users': 'Admin',
  'delete:users': 'Admin',
  'read:roles': 'Admin',
  'create:roles': 'Admin',
  'edit:roles': 'Admin',
  'delete:roles': 'Admin',
  'read:permissions': 'Admin',
} as const satisfies Record<string, GrantingRole>;

export type Permission = keyof typeof PERMISSION_MIN_ROLE;
export const PERMISSIONS = Object.keys(PERMISSION_MIN_ROLE) as Permission[];

type ResourceKey = Permission extends `${string}:${infer R}` ? R : never;

/** Airflow's name of each resource (`airflow.security.permissions.RESOURCE_*`; `DAG Files` is skydag's). */
export const RESOURCE_NAMES: Readonly<Record<ResourceKey, string>> = {
  dags: 'DAGs',
  dag_runs: 'DAG Runs',
  task_instances: 'Task Instances',
  task_logs: 'Task Logs',
  xcoms: 'XComs',
  import_errors: 'ImportError',
  dataset_events: 'Dataset Events',
  sla_misses: 'SLA Misses',
  variables: 'Variables',
  connections: 'Connections',
  pools: 'Pools',
  dag_files: 'DAG Files',
  artifacts: 'Spark Artifacts',
  models: 'Models',
  datasets: 'Datasets',
  config_groups: 'Spark Config Groups',
  ldap_settings: 'LDAP Configuration',
  platform_archive: 'Platform Archive',
  audit_log: 'Audit Logs',
  users: 'Users',
  roles: 'Roles',
  permissions: 'Permissions',
};

/** A permission as Airflow's roles API shows it: `read:dag_runs` → can_read on "DAG Runs". */
export function pairOf(permission: Permission): PermissionPair {
  const [verb, resource] = permission.split(':') as [string, ResourceKey];
  return { action: `can_${verb}`, resource: RESOURCE_NAMES[resource] };
}

const PERMISSION_BY_PAIR = new Map(PERMISSIONS.map((p) => [pairKey(pairOf(p)), p]));

function pairKey(pair: PermissionPair): string {
  return `${pair.action}\u0000${pair.resource}`;
}

/** The DAG-level permission each DAG action stands for when held on every DAG. */
export const GLOBAL_DAG_PERMISSION: Readonly<Record<DagAction, Permission>> = { can_read: 'read:dags', can_edit: 'edit:dags', can_delete: 'delete:dags' };
const DAG_LEVEL_PERMISSIONS = new Map<Permission, DagAction>(DAG_ACTIONS.map((a) => [GLOBAL_DAG_PERMISSION[a], a]));

/** The DAG action a DAG-level permission (`read:dags`, `edit:dags`, `delete:dags`) checks; undefined for the others. */
export function dagActionOf(permission: Permission): DagAction | undefined {
  return DAG_LEVEL_PERMISSIONS.get(permission);
}

/** Airflow's per-DAG resource names: `DAG:<dag_id>`. */
export const DAG_RESOURCE_PREFIX = 'DAG:';
export const dagResource = (dagId: string): string => `${DAG_RESOURCE_PREFIX}${dagId}`;

/** Airflow's rule for a DAG id (the model's pattern): what a `DAG:<dag_id>` resource may name. */
const DAG_ID = /^[A-Za-z0-9_.-]{1,250}$/;

export function roleHasPermission(role: RoleName, permission: Permission): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[PERMISSION_MIN_ROLE[permission]];
}

export function isRoleName(value: unknown): value is RoleName {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** What a set of roles grants: global permissions, and DAG-level actions on single DAGs. */
export interface Grants {
  permissions: Set<Permission>;
  /** dag_id → actions, from custom roles' `DAG:<dag_id>` permissions. */
  dags: Map<string, Set<DagAction>>;
}

export type ParsedPair = { permission: Permission } | { dagId: string; action: DagAction };

/** One (action, resource) pair of a role, or why it is not one skydag knows. */
export function parsePair(pair: PermissionPair): ParsedPair | { problem: string } {
  if (pair.resource.startsWith(DAG_RESOURCE_PREFIX)) {
    const dagId = pair.resource.slice(DAG_RESOURCE_PREFIX.length);
    if (!DAG_ID.test(dagId)) return { problem: `'${pair.resource}' is not a DAG resource: the DAG id must be 1-250 letters, digits, '_', '.' or '-'` };
    if (!(DAG_ACTIONS as readonly string[]).includes(pair.action)) return { problem: `the action '${pair.action}' does not apply to a DAG (use ${DAG_ACTIONS.join(', ')})` };
    return { dagId, action: pair.action as DagAction };
  }
  const permission = PERMISSION_BY_PAIR.get(pairKey(pair));
  if (permission) return { permission };
  const known = Object.values(RESOURCE_NAMES);
  if (!known.includes(pair.resource)) return { problem: `The specified resource: '${pair.resource}' was not found (use one of ${known.join(', ')}, or DAG:<dag_id>)` };
  return { problem: `The specified action: '${pair.action}' is not available on '${pair.resource}'` };
}

/** Everything `roles` grant: built-in roles by the table above, custom roles by their records (unknown names grant nothing). */
export function grantsOf(roles: readonly string[], custom: readonly RoleRecord[]): Grants {
  const grants: Grants = { permissions: new Set(PERMISSIONS.filter((p) => roles.some((r) => isRoleName(r) && roleHasPermission(r, p)))), dags: new Map() };
  for (const role of custom) {
    if (!roles.includes(role.name)) continue;
    for (const pair of role.permissions) {
      const parsed = parsePair(pair);
      if ('permission' in parsed) grants.permissions.add(parsed.permission);
      else if ('dagId' in parsed) {
        let actions = grants.dags.get(parsed.dagId);
        if (!actions) grants.dags.set(parsed.dagId, (actions = new Set()));
        actions.add(parsed.action);
      }
    }
  }
  return grants;
}

/** What a route requires: nothing at all (health, version, login), any signed-in user, or every listed permission. */
export type Access = { public: true } | { public?: false; permissions: readonly Permission[] };
