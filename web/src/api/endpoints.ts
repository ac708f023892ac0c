/** Typed calls for each REST API endpoint the console uses (docs/api.md). */
import { request, requestBlob, seg, type Query } from './client';
import type {
  AuthConfig,
  Connection,
  Dag,
  DagDetail,
  DagRun,
  DagStats,
  DagVersion,
  DagVersionHeader,
  GridData,
  UploadResult,
  ValidationResult,
  DagRunState,
  EventLog,
  ImportError,
  LoginResult,
  Me,
  Pool,
  Role,
  Task,
  TaskInstance,
  TaskInstanceReference,
  User,
  Variable,
  XComEntry,
} from './types';

export interface Page {
  limit?: number;
  offset?: number;
  order_by?: string;
}

const dagPath = (dagId: string) => `/dags/${seg(dagId)}`;
const runPath = (dagId: string, runId: string) => `${dagPath(dagId)}/dagRuns/${seg(runId)}`;
const tiPath = (dagId: string, runId: string, taskId: string) => `${runPath(dagId, runId)}/taskInstances/${seg(taskId)}`;

// ---- session
export const login = (username: string, password: string) => request<LoginResult>('/auth/login', { method: 'POST', body: { username, password }, anonymous: true });
export const getMe = () => request<Me>('/auth/me');
export const getAuthConfig = () => request<AuthConfig>('/auth/config', { anonymous: true });
export const redeemSignInCode = (code: string, codeVerifier: string, redirectUri: string) =>
  request<LoginResult>('/auth/oidc/token', { method: 'POST', body: { code, code_verifier: codeVerifier, redirect_uri: redirectUri }, anonymous: true });
export const getVersion = () => request<{ version: string; git_version: string | null }>('/version');

// ---- DAGs
export interface DagListQuery extends Page {
  tags?: string[];
  paused?: boolean;
  only_active?: boolean;
  dag_id_pattern?: string;
}
export const listDags = (query: DagListQuery = {}) => request<{ dags: Dag[]; total_entries: number }>('/dags', { query: query as Query });
export const getDag = (dagId: string) => request<Dag>(dagPath(dagId));
export const getDagDetails = (dagId: string) => request<DagDetail>(`${dagPath(dagId)}/details`);
export const setPaused = (dagId: string, isPaused: boolean) => request<Dag>(dagPath(dagId), { method: 'PATCH', query: { update_mask: 'is_paused' }, body: { is_paused: isPaused } });
export const listTasks = (dagId: string) => request<{ tasks: Task[]; total_entries: number }>(`${dagPath(dagId)}/tasks`);
export const listImportErrors = (query: Page = {}) => request<{ import_errors: ImportError[]; total_entries: number }>('/importErrors', { query: query as Query });

// ---- DAG runs
export interface RunListQuery extends Page {
  state?: DagRunState[];
  execution_date_gte?: string;
  execution_date_lte?: string;
  start_date_gte?: string;
  start_date_lte?: string;
}
export const listDagRuns = (dagId: string, query: RunListQuery = {}) => request<{ dag_runs: DagRun[]; total_entries: number }>(`${dagPath(dagId)}/dagRuns`, { query: query as Query });
export const getDagRun = (dagId: string, runId: string) => request<DagRun>(runPath(dagId, runId));
export const triggerDagRun = (dagId: string, body: { conf?: Record<string, unknown>; dag_run_id?: string; logical_date?: string; note?: string }) =>
  request<DagRun>(`${dagPath(dagId)}/dagRuns`, { method: 'POST', body });
export const deleteDagRun = (dagId: string, runId: string) => request<void>(runPath(dagId, runId), { method: 'DELETE' });
export const setDagRunState = (dagId: string, runId: string, state: 'success' | 'failed' | 'queued') => request<DagRun>(runPath(dagId, runId), { method: 'PATCH', body: { state } });
export const clearDagRun = (dagId: string, runId: string, dryRun: boolean) =>
  request<{ task_instances: TaskInstanceReference[] } | DagRun>(`${runPath(dagId, runId)}/clear`, { method: 'POST', body: { dry_run: dryRun } });

// ---- task instances
export interface TiListQuery extends Page {
  state?: string[];
  pool?: string[];
  execution_date_gte?: string;
  execution_date_lte?: string;
}
export const listTaskInstances = (dagId: string, runId: string, query: TiListQuery = {}) =>
  request<{ task_instances: TaskInstance[]; total_entries: number }>(`${runPath(dagId, runId)}/taskInstances`, { query: query as Query });
export const getTaskInstance = (dagId: string, runId: string, taskId: string) => request<TaskInstance>(tiPath(dagId, runId, taskId));
export const getLog = (dagId: string, runId: string, taskId: string, tryNumber: number, token?: string, signal?: AbortSignal) =>
  request<{ content: string; continuation_token: string }>(`${tiPath(dagId, runId, taskId)}/logs/${tryNumber}`, { query: { token }, ...(signal ? { signal } : {}) });
export const listXComs = (dagId: string, runId: string, taskId: string) =>
  request<{ xcom_entries: XComEntry[]; total_entries: number }>(`${tiPath(dagId, runId, taskId)}/xcomEntries`);
export const getXCom = (dagId: string, runId: string, taskId: string, key: string) => request<XComEntry>(`${tiPath(dagId, runId, taskId)}/xcomEntries/${seg(key)}`);

export interface ClearRequest {
  dry_run: boolean;
  task_ids?: string[];
  dag_run_id?: string | null;
  only_failed?: boolean;
  only_running?: boolean;
  include_upstream?: boolean;
  include_downstream?: boolean;
  include_future?: boolean;
  include_past?: boolean;
  reset_dag_runs?: boolean;
}
export const clearTaskInstances = (dagId: string, body: ClearRequest) =>
  request<{ task_instances: TaskInstanceReference[] }>(`${dagPath(dagId)}/clearTaskInstances`, { method: 'POST', body });

export interface SetStateRequest {
  dry_run: boolean;
  task_id: string;
  dag_run_id: string;
  new_state: 'success' | 'failed' | 'skipped';
  include_upstream?: boolean;
  include_downstream?: boolean;
  include_future?: boolean;
  include_past?: boolean;
}
export const setTaskInstancesState = (dagId: string, body: SetStateRequest) =>
  request<{ task_instances: TaskInstanceReference[] }>(`${dagPath(dagId)}/updateTaskInstancesState`, { method: 'POST', body });

// ---- browse and admin
export interface EventLogQuery extends Page {
  dag_id?: string;
  task_id?: string;
  run_id?: string;
  event?: string;
  owner?: string;
  before?: string;
  after?: string;
}
export const listEventLogs = (query: EventLogQuery = {}) => request<{ event_logs: EventLog[]; total_entries: number }>('/eventLogs', { query: query as Query });

export const listVariables = (query: Page = {}) => request<{ variables: Variable[]; total_entries: number }>('/variables', { query: query as Query });
export const getVariable = (key: string) => request<Variable>(`/variables/${seg(key)}`);
export const createVariable = (v: { key: string; value: string; description?: string | null }) => request<Variable>('/variables', { method: 'POST', body: v });
export const updateVariable = (key: string, v: { key: string; value?: string; description?: string | null }, mask: string[]) =>
  request<Variable>(`/variables/${seg(key)}`, { method: 'PATCH', body: v, query: { update_mask: mask } });
export const deleteVariable = (key: string) => request<void>(`/variables/${seg(key)}`, { method: 'DELETE' });

export interface ConnectionInput {
  connection_id: string;
  conn_type: string;
  description?: string | null;
  host?: string | null;
  login?: string | null;
  schema?: string | null;
  port?: number | null;
  password?: string | null;
  extra?: string | null;
}
export const listConnections = (query: Page = {}) => request<{ connections: Connection[]; total_entries: number }>('/connections', { query: query as Query });
export const getConnection = (id: string) => request<Connection>(`/connections/${seg(id)}`);
export const createConnection = (c: ConnectionInput) => request<Connection>('/connections', { method: 'POST', body: c });
export const updateConnection = (id: string, c: Partial<ConnectionInput>) => request<Connection>(`/connections/${seg(id)}`, { method: 'PATCH', body: c });
export const deleteConnection = (id: string) => request<void>(`/connections/${seg(id)}`, { method: 'DELETE' });

export const listPools = (query: Page = {}) => request<{ pools: Pool[]; total_entries: number }>('/pools', { query: query as Query });
export const createPool = (p: { name: string; slots: number; description?: string | null }) => request<Pool>('/pools', { method: 'POST', body: p });
export const updatePool = (name: string, p: { name?: string; slots?: number; description?: string | null }) => request<Pool>(`/pools/${seg(name)}`, { method: 'PATCH', body: p });
export const deletePool = (name: string) => request<void>(`/pools/${seg(name)}`, { method: 'DELETE' });

export interface UserInput {
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  roles: { name: string }[];
  password?: string;
  active?: boolean;
}
export const listUsers = (query: Page = {}) => request<{ users: User[]; total_entries: number }>('/users', { query: query as Query });
export const createUser = (u: UserInput & { password: string }) => request<User>('/users', { method: 'POST', body: u });
export const updateUser = (username: string, u: Record<string, unknown>, mask?: string[]) =>
  request<User>(`/users/${seg(username)}`, { method: 'PATCH', body: u, query: { update_mask: mask } });
export const deleteUser = (username: string) => request<void>(`/users/${seg(username)}`, { method: 'DELETE' });
export const listRoles = () => request<{ roles: Role[]; total_entries: number }>('/roles');

// ---- skydag additions
export const getDagStats = (dagIds: string[]) => request<{ dags: DagStats[]; total_entries: number }>('/dagStats', { query: { dag_ids: dagIds.join(',') } });
export const deleteDagFile = (filename: string) => request<void>(`/dagFiles/${seg(filename)}`, { method: 'DELETE' });
export const getGridData = (dagId: string, query: { limit?: number; offset?: number } = {}) => request<GridData>(`${dagPath(dagId)}/gridData`, { query });
export const listDagVersions = (dagId: string) => request<{ versions: DagVersionHeader[]; total_entries: number }>(`${dagPath(dagId)}/versions`);
export const getDagVersion = (dagId: string, version: string) => request<DagVersion>(`${dagPath(dagId)}/versions/${seg(version)}`);
export const validateDagFile = (filename: string, content: string, signal?: AbortSignal) =>
  request<ValidationResult>('/dagFiles/validate', { method: 'POST', body: { filename, content }, ...(signal ? { signal } : {}) });
export const saveDagFile = (filename: string, content: string) => request<UploadResult>('/dagFiles', { method: 'POST', body: { filename, content } });
export function uploadDagFile(file: File): Promise<UploadResult> {
  const form = new FormData();
  form.append('file', file, file.name);
  return request<UploadResult>('/dagFiles', { method: 'POST', form });
}

/** The platform archive (Admin): export as a tar.gz, import checked as a dry run first. */
export interface ArchiveChanges {
  create: string[];
  update: string[];
  unchanged: string[];
}
export interface ImportReport {
  dry_run: boolean;
  applied: boolean;
  secrets: 'sealed' | 'omitted';
  changes: Record<string, ArchiveChanges>;
  notes: string[];
}
export const exportArchive = (passphrase: string) => requestBlob('/export', { method: 'POST', body: passphrase ? { passphrase } : {} });
export function importArchive(file: File, passphrase: string, dryRun: boolean) {
  const form = new FormData();
  form.append('archive', file, file.name);
  if (passphrase) form.append('passphrase', passphrase);
  return request<ImportReport>('/import', { method: 'POST', form, query: { dry_run: dryRun } });
}
