/**
 * Per-DAG permissions (Airflow's DAG-level access): what one signed-in principal may do on each DAG.
 *
 * A principal holds a DAG action (`can_read`, `can_edit`, `can_delete`) on a DAG when
 * - one of its roles holds it on every DAG (`read:dags`, `edit:dags`, `delete:dags`: Admin, Op and
 *   User read and edit every DAG, Viewer reads every DAG; a custom role may be given these too), or
 * - the DAG's file sets `access_control` and names one of its roles with the action, or
 * - the DAG's file sets no `access_control` and one of its custom roles holds the action on
 *   `DAG:<dag_id>` (granted through the roles API).
 * A file's access_control is the whole list of per-DAG grants on its DAG, as Airflow syncs it into
 * the roles (revoking the DAG-level permissions of roles it does not name): grants made through the
 * API on such a DAG have no effect while the file sets access_control.
 *
 * What a principal sees: a DAG on which it holds no action at all is hidden — single-DAG routes answer
 * 404 exactly as for a DAG that does not exist, and listings leave it out (totals included). A DAG it
 * holds some action on but not the one needed answers 403. A principal that holds no DAG action
 * anywhere gets 403 "needs read:dags" on DAG routes, as before per-DAG grants existed.
 */
import type { DagRecord } from '../../model/records.js';
import { DAG_ACTIONS, type DagAction } from '../../model/constants.js';
import type { DagStore } from '../../stores/metadata.js';
import { ApiError, notFound } from '../problem.js';
import { GLOBAL_DAG_PERMISSION } from './permissions.js';
import type { Principal } from './users.js';

/** The 404 of a DAG that does not exist: a hidden DAG answers exactly this. */
export function dagNotFound(dagId: string): ApiError {
  return notFound('DAG not found', `DAG with dag_id: '${dagId}' not found`);
}

export function dagPermissionDenied(principal: Principal | null, needs: string): ApiError {
  return new ApiError('PermissionDenied', `You don't have the permission to perform this action: it needs ${needs} (your roles: ${principal?.roles.join(', ') || 'none'})`);
}

/** What /auth/me shows: the actions held on every DAG, and those held on single DAGs beyond them. */
export interface DagPermissionSummary {
  all_dags: DagAction[];
  dags: Record<string, DagAction[]>;
}

export class DagAccess {
  private everyDag: Promise<Map<string, DagRecord>> | undefined;
  private readonly records = new Map<string, Promise<DagRecord | undefined>>();

  constructor(
    private readonly store: Pick<DagStore, 'getDag' | 'listDags'>,
    readonly principal: Principal | null,
  ) {}

  /** Holds `action` on every DAG through a global permission (no per-DAG check needed). */
  holdsGlobally(action: DagAction): boolean {
    return this.principal?.permissions.has(GLOBAL_DAG_PERMISSION[action]) ?? false;
  }

  /** The actions held on a DAG, given its record (undefined when the DAG has none). */
  actionsOn(dagId: string, record: DagRecord | undefined): Set<DagAction> {
    const held = new Set(DAG_ACTIONS.filter((a) => this.holdsGlobally(a)));
    if (!this.principal) return held;
    const file = record?.access_control;
    if (file) {
      for (const role of this.principal.roles) if (Object.hasOwn(file, role)) for (const a of file[role]!) held.add(a);
    } else {
      for (const a of this.principal.dagGrants.get(dagId) ?? []) held.add(a);
    }
    return held;
  }

  async can(dagId: string, action: DagAction): Promise<boolean> {
    if (this.holdsGlobally(action)) return true;
    return this.actionsOn(dagId, await this.record(dagId)).has(action);
  }

  /**
   * Refuses unless the principal holds `action` on the DAG: 404 (as absent) when it holds nothing on
   * it, 403 when it holds something else, 403 naming the global permission when it holds no DAG
   * action anywhere.
   */
  async require(dagId: string, action: DagAction): Promise<void> {
    if (this.holdsGlobally(action)) return;
    const held = this.actionsOn(dagId, await this.record(dagId));
    if (held.has(action)) return;
    if (held.size > 0) throw dagPermissionDenied(this.principal, `${action} on DAG '${dagId}'`);
    if (!(await this.anyAction())) throw dagPermissionDenied(this.principal, GLOBAL_DAG_PERMISSION[action]);
    throw dagNotFound(dagId);
  }

  /** Whether the principal holds `action` on at least one DAG (what a listing route needs before it filters). */
  async any(action: DagAction): Promise<boolean> {
    if (this.holdsGlobally(action)) return true;
    const all = await this.all();
    // An API grant counts even before its DAG exists, unless the DAG's file overrides it.
    for (const [dagId, actions] of this.principal?.dagGrants ?? []) if (actions.has(action) && this.actionsOn(dagId, all.get(dagId)).has(action)) return true;
    for (const record of all.values()) if (this.actionsOn(record.dag_id, record).has(action)) return true;
    return false;
  }

  /** Every DAG record (active or not) on which the principal holds `action`, sorted by dag_id. */
  async dags(action: DagAction = 'can_read'): Promise<DagRecord[]> {
    return this.allowed([...(await this.all()).values()], action);
  }

  /** The DAG records (already read) on which the principal holds `action`. */
  allowed(records: readonly DagRecord[], action: DagAction = 'can_read'): DagRecord[] {
    return this.holdsGlobally(action) ? [...records] : records.filter((d) => this.actionsOn(d.dag_id, d).has(action));
  }

  /** Keeps the items whose DAG the principal holds `action` on; items of no DAG (`null`) are kept. */
  async filter<T>(items: readonly T[], dagIdOf: (item: T) => string | null, action: DagAction = 'can_read'): Promise<T[]> {
    if (this.holdsGlobally(action)) return [...items];
    const all = await this.all();
    return items.filter((item) => {
      const dagId = dagIdOf(item);
      return dagId === null || this.actionsOn(dagId, all.get(dagId)).has(action);
    });
  }

  /** The DAG records (active or not) whose file is `filename`. */
  async definedIn(filename: string): Promise<DagRecord[]> {
    return [...(await this.all()).values()].filter((d) => d.fileloc === filename);
  }

  /** The actions held on every DAG, and on each DAG beyond those (for /auth/me and the console). */
  async summary(): Promise<DagPermissionSummary> {
    const everywhere = DAG_ACTIONS.filter((a) => this.holdsGlobally(a));
    const dags: [string, DagAction[]][] = [];
    if (everywhere.length < DAG_ACTIONS.length) {
      const all = await this.all();
      const ids = new Set([...all.keys(), ...(this.principal?.dagGrants.keys() ?? [])]);
      for (const dagId of [...ids].sort()) {
        const held = this.actionsOn(dagId, all.get(dagId));
        if ([...held].some((a) => !everywhere.includes(a))) dags.push([dagId, DAG_ACTIONS.filter((a) => held.has(a))]);
      }
    }
    // fromEntries defines own properties, so a DAG named `__proto__` is just a key.
    return { all_dags: everywhere, dags: Object.fromEntries(dags) };
  }

  /** Holds any DAG action anywhere (otherwise DAG routes answer 403, not 404). */
  private async anyAction(): Promise<boolean> {
    for (const action of DAG_ACTIONS) if (await this.any(action)) return true;
    return false;
  }

  /** A DAG's record, read once per request (whoever asks: callers decide what to show). */
  record(dagId: string): Promise<DagRecord | undefined> {
    if (this.everyDag) return this.everyDag.then((all) => all.get(dagId));
    let found = this.records.get(dagId);
    if (!found) this.records.set(dagId, (found = this.store.getDag(dagId)));
    return found;
  }

  /** Every DAG record, read once per request. */
  private all(): Promise<Map<string, DagRecord>> {
    this.everyDag ??= this.store.listDags({ includeInactive: true }).then((page) => new Map(page.items.map((d) => [d.dag_id, d])));
    return this.everyDag;
  }
}
