/** An import's plan: what it reports per kind, and its writes, each answering how to undo itself. */
import type { Manifest } from './layout.js';

export interface KindChanges {
  create: string[];
  update: string[];
  unchanged: string[];
}

export const KINDS = ['dag_files', 'dag_versions', 'config_groups', 'artifacts', 'variables', 'connections', 'pools', 'roles', 'users'] as const;
export type Kind = (typeof KINDS)[number];

export interface ImportReport {
  dry_run: boolean;
  applied: boolean;
  secrets: Manifest['secrets'];
  changes: Record<Kind, KindChanges>;
  /** What the caller should know: secrets kept, users without a password, history kept in the archive. */
  notes: string[];
}

/** One write of an import: done, it answers how to undo itself. */
export type Write = () => Promise<() => Promise<void>>;

export interface Plan {
  report: ImportReport;
  writes: Write[];
}

export function emptyReport(secrets: Manifest['secrets']): ImportReport {
  return { dry_run: true, applied: false, secrets, changes: Object.fromEntries(KINDS.map((k): [Kind, KindChanges] => [k, { create: [], update: [], unchanged: [] }])) as Record<Kind, KindChanges>, notes: [] };
}

/** Records the action on `name` in the report; true when something is to be written. */
export function note(report: ImportReport, kind: Kind, name: string, before: unknown, after: unknown, exists: boolean): boolean {
  const action = !exists ? 'create' : JSON.stringify(before) === JSON.stringify(after) ? 'unchanged' : 'update';
  report.changes[kind][action].push(name);
  return action !== 'unchanged';
}
