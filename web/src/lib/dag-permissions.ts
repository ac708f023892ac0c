/**
 * Per-DAG permissions as /auth/me reports them (`dag_permissions`): the DAG actions held on every DAG,
 * and those held on single DAGs beyond them. The console shows a DAG's action buttons only where the
 * user holds the DAG action the API will check (Airflow's rule: can_edit to trigger, pause, clear,
 * mark or edit the file; can_delete to delete the file); the API checks again on every request.
 */
export type DagAction = 'can_read' | 'can_edit' | 'can_delete';

export interface DagPermissions {
  all_dags: DagAction[];
  dags: Record<string, DagAction[]>;
}

/** Whether the user holds `action` on the DAG, on every DAG or on this one. */
export function holdsOnDag(permissions: DagPermissions | null | undefined, dagId: string, action: DagAction): boolean {
  if (!permissions) return false;
  if (permissions.all_dags.includes(action)) return true;
  return Object.hasOwn(permissions.dags, dagId) && (permissions.dags[dagId] ?? []).includes(action);
}
