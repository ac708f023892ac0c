/**
 * Typed calls and shapes for the skydag platform endpoints beyond Airflow's API (docs/api.md): Spark
 * config groups and artifacts (Couture's Config Groups, Code Artifacts and Spark Dependencies pages),
 * the signed-in user's git repository, the LDAP sign-in settings, and the models and datasets
 * repository, and exploratory data analysis. Secrets are write-only: the
 * API answers whether they are set, never their value.
 */
import { request, requestBlob, seg } from './client';

// ---- Spark config groups

export type SparkEngine =
  | { type: 'local' }
  | { type: 'emr'; cluster_id: string }
  | { type: 'emr_serverless'; application_id: string; execution_role_arn: string; log_uri?: string }
  | { type: 'livy'; url: string; auth: 'none' | 'basic'; username?: string; proxy_user?: string; poll_interval_seconds?: number; artifact_uri?: string };

export interface HadoopProperty {
  name: string;
  value: string;
  description?: string;
  final?: boolean;
}

export interface ConfigGroup {
  name: string;
  description: string;
  engine: SparkEngine;
  arguments: Record<string, string>;
  configurations: Record<string, string>;
  hadoop: Record<string, HadoopProperty[]>;
  kerberos: { principal: string | null; keytab_path: string | null };
  updated_at: string;
  is_default: boolean;
  keytab_set: boolean;
  livy_password_set: boolean;
}

/** What a PUT takes: the group without what the server keeps (secrets travel on their own). */
export interface ConfigGroupBody {
  description: string;
  engine: SparkEngine;
  arguments: Record<string, string>;
  configurations: Record<string, string>;
  hadoop: Record<string, HadoopProperty[]>;
  kerberos: { principal: string | null; keytab_path: string | null };
  /** Absent: unchanged; null: removed. */
  livy_password?: string | null;
}

const groupPath = (name: string) => `/configGroups/${seg(name)}`;
const hadoopPath = (group: string, file: string) => `${groupPath(group)}/hadoop/${seg(file)}`;

export const listConfigGroups = () => request<{ config_groups: ConfigGroup[]; default_group: string | null; total_entries: number }>('/configGroups');
export const getConfigGroup = (name: string) => request<ConfigGroup>(groupPath(name));
export const putConfigGroup = (name: string, body: ConfigGroupBody) => request<ConfigGroup>(groupPath(name), { method: 'PUT', body });
export const deleteConfigGroup = (name: string) => request<void>(groupPath(name), { method: 'DELETE' });
export const makeDefaultConfigGroup = (name: string) => request<ConfigGroup>(`${groupPath(name)}/default`, { method: 'POST' });
export const putKeytab = (name: string, file: Blob) => request<ConfigGroup>(`${groupPath(name)}/keytab`, { method: 'PUT', raw: { data: file, type: 'application/octet-stream' } });
export const deleteKeytab = (name: string) => request<ConfigGroup>(`${groupPath(name)}/keytab`, { method: 'DELETE' });
export const putHadoopFile = (group: string, file: string, xml: Blob | string) => request<ConfigGroup>(hadoopPath(group, file), { method: 'PUT', raw: { data: xml, type: 'application/xml' } });
export const deleteHadoopFile = (group: string, file: string) => request<ConfigGroup>(hadoopPath(group, file), { method: 'DELETE' });
export const putHadoopProperty = (group: string, file: string, property: string, value: string) =>
  request<ConfigGroup>(`${hadoopPath(group, file)}/properties/${seg(property)}`, { method: 'PUT', body: { value } });
export const deleteHadoopProperty = (group: string, file: string, property: string) => request<ConfigGroup>(`${hadoopPath(group, file)}/properties/${seg(property)}`, { method: 'DELETE' });
export const exportConfigGroups = () => requestBlob('/configGroupsArchive');
export const importConfigGroups = (archive: Blob) => request<{ imported: string[] }>('/configGroupsArchive', { method: 'POST', raw: { data: archive, type: 'application/gzip' } });

// ---- code artifacts and Spark dependencies

export type ArtifactKind = 'code' | 'dependency';

export interface Artifact {
  kind: ArtifactKind;
  name: string;
  size: number;
  last_modified: string;
}

const artifactPath = (kind: ArtifactKind, name: string) => `/artifacts/${kind}/${seg(name)}`;

export const listArtifacts = () => request<{ artifacts: Artifact[]; total_entries: number }>('/artifacts');
export function uploadArtifact(kind: ArtifactKind, file: File): Promise<Artifact> {
  const form = new FormData();
  form.append('file', file, file.name);
  return request<Artifact>(artifactPath(kind, file.name), { method: 'PUT', form });
}
export const deleteArtifact = (kind: ArtifactKind, name: string) => request<void>(artifactPath(kind, name), { method: 'DELETE' });

// ---- git repository of the signed-in user

export interface GitPull {
  commit: string;
  at: string;
  trigger?: string;
  written: string[];
  removed: string[];
  unchanged?: number;
  dag_versions: { dag_id: string; version: string; fileloc: string }[];
  import_errors?: string[];
}

export interface GitConfig {
  user: string;
  url: string;
  branch: string;
  path: string;
  username?: string;
  pull_interval_minutes?: number | null;
  token_set: boolean;
  updated_at?: string;
  pulls: GitPull[];
}

export interface GitConfigBody {
  url: string;
  branch: string;
  path?: string;
  username?: string;
  /** Absent: unchanged; null: removed. */
  token?: string | null;
  pull_interval_minutes?: number | null;
}

export const getGitConfig = () => request<GitConfig>('/gitConfig');
export const putGitConfig = (body: GitConfigBody) => request<GitConfig>('/gitConfig', { method: 'PUT', body });
export const deleteGitConfig = () => request<void>('/gitConfig', { method: 'DELETE' });
export const pullGit = () => request<GitPull>('/gitConfig/pull', { method: 'POST' });

// ---- LDAP sign-in settings (Flask-AppBuilder's AUTH_* keys)

export interface LdapSettings {
  AUTH_TYPE: 'DB' | 'LDAP';
  AUTH_LDAP_SERVER: string;
  AUTH_LDAP_USE_TLS: boolean;
  AUTH_LDAP_ALLOW_SELF_SIGNED: boolean;
  AUTH_LDAP_BIND_USER: string;
  AUTH_LDAP_SEARCH: string;
  AUTH_LDAP_SEARCH_FILTER: string;
  AUTH_LDAP_UID_FIELD: string;
  AUTH_LDAP_GROUP_FIELD: string;
  AUTH_LDAP_FIRSTNAME_FIELD: string;
  AUTH_LDAP_LASTNAME_FIELD: string;
  AUTH_LDAP_EMAIL_FIELD: string;
  AUTH_ROLES_MAPPING: Record<string, string[]>;
  AUTH_ROLES_SYNC_AT_LOGIN: boolean;
  AUTH_USER_REGISTRATION: boolean;
  AUTH_USER_REGISTRATION_ROLE: string;
  AUTH_LDAP_TIMEOUT: number;
  AUTH_LDAP_BIND_PASSWORD_SET: boolean;
  updated_at: string | null;
}

export type LdapSettingsPatch = Partial<Omit<LdapSettings, 'AUTH_LDAP_BIND_PASSWORD_SET' | 'updated_at'>> & { AUTH_LDAP_BIND_PASSWORD?: string | null };

export const getLdapSettings = () => request<LdapSettings>('/ldapSettings');
export const patchLdapSettings = (patch: LdapSettingsPatch) => request<LdapSettings>('/ldapSettings', { method: 'PATCH', body: patch });

// ---- models and datasets (skydag)

export type RepositoryKind = 'model' | 'dataset';

export interface RepositorySummary {
  name: string;
  flavor: string | null;
  latest_version: number;
  version_count: number;
  description: string;
  updated_at: string;
}

export interface RepositoryVersion {
  name: string;
  version: number;
  flavor: string | null;
  file_name: string;
  size: number;
  sha256: string;
  uri: string;
  description: string;
  created_at: string;
  created_by: string | null;
}

export interface RepositoryUpload {
  upload_id: string;
  chunk_size: number;
  chunk_count: number;
  received: number[];
}

export const listRepository = (kind: RepositoryKind) =>
  request<Record<string, RepositorySummary[] | number>>(`/${kind}s`).then((answer) => (answer[`${kind}s`] ?? []) as RepositorySummary[]);
export const listRepositoryVersions = (kind: RepositoryKind, name: string) => request<{ versions: RepositoryVersion[] }>(`/${kind}s/${seg(name)}/versions`);
export const deleteRepositoryVersion = (kind: RepositoryKind, name: string, version: number) => request<void>(`/${kind}s/${seg(name)}/versions/${version}`, { method: 'DELETE' });
export const startRepositoryUpload = (kind: RepositoryKind, body: { name: string; flavor?: string; file_name: string; size: number; description?: string }) =>
  request<RepositoryUpload>(`/${kind}Uploads`, { method: 'POST', body });
export const putRepositoryChunk = (kind: RepositoryKind, uploadId: string, index: number, chunk: Blob, sha256: string) =>
  request<{ index: number; size: number }>(`/${kind}Uploads/${seg(uploadId)}/chunks/${index}`, { method: 'PUT', raw: { data: chunk, type: 'application/octet-stream' }, headers: { 'x-chunk-sha256': sha256 } });
export const completeRepositoryUpload = (kind: RepositoryKind, uploadId: string) => request<RepositoryVersion>(`/${kind}Uploads/${seg(uploadId)}/complete`, { method: 'POST' });
/**
 * A version's file: locally the bytes (application/octet-stream); in AWS a presigned S3 URL as JSON
 * (`redirect=false`: following the API's 302 from the page would need CORS on the bucket, and the
 * browser can fetch the URL itself, signed with the file's download name).
 */
export async function downloadRepositoryFile(kind: RepositoryKind, name: string, version: number): Promise<Blob | { url: string; file_name: string }> {
  const answer = await requestBlob(`/${kind}s/${seg(name)}/versions/${version}/file?redirect=false`);
  if (!answer.type.startsWith('application/json')) return answer;
  return JSON.parse(await answer.text()) as { url: string; file_name: string };
}

// ---- exploratory data analysis (skydag)

export type EdaLevel = 'L0' | 'L1';

export interface EdaSource {
  name: string;
  type: 'dataset' | 'blob' | 'database';
  dataset: { name: string; version: number | null } | null;
  blob_key: string | null;
  database: { conn_id: string; table: string | null; query: string | null } | null;
  format: 'csv' | 'tsv' | 'xlsx' | null;
  created_at: string;
  created_by: string | null;
}

export type EdaSourceBody =
  | { dataset: { name: string; version?: number | null }; format?: string }
  | { blob_key: string; format?: string }
  | { conn_id: string; table: string }
  | { conn_id: string; query: string };

export interface EdaReport {
  report_id: string;
  level: EdaLevel;
  ready: boolean;
  dag_id: string;
  dag_run_id: string;
  state: string | null;
}

/** The profiler's JSON summary (shared/python/skydag_eda/profile.py): data from the table, shown as text only. */
export interface EdaBin {
  from: number | null;
  to: number | null;
  count: number;
}
export interface EdaValueCount {
  value: string;
  count: number;
}
export interface EdaColumnProfile {
  name: string;
  type: string;
  count: number;
  nulls: number;
  distinct: number;
  min?: number | string | null;
  max?: number | string | null;
  mean?: number | null;
  std?: number | null;
  quantiles?: Record<string, number | null>;
  top_values: EdaValueCount[];
  histogram?: EdaBin[];
  distribution?: (EdaBin | EdaValueCount)[];
}
export interface EdaSummary {
  level: EdaLevel;
  rows: number;
  columns: number;
  column_profiles: EdaColumnProfile[];
  correlations?: { columns: string[]; matrix: (number | null)[][] };
}

const edaPath = (name: string) => `/edaSources/${seg(name)}`;

/**
 * The sources, with how this deployment profiles: `pandas` locally (a run names no config group), or
 * `spark` in AWS, with the config groups a run may name (name and engine type) and the default group.
 */
export interface EdaSourceList {
  eda_sources: EdaSource[];
  total_entries: number;
  profiler: 'pandas' | 'spark';
  config_groups: { name: string; engine: string }[] | null;
  default_group: string | null;
}

/** A run asked for: its state, or `deploying` (AWS, 202) while the bucket's deployer deploys the generated DAG file; the run starts right after. */
export interface EdaRunAnswer {
  dag_id: string;
  dag_run_id: string;
  report_id: string;
  state: string | null;
}

export const listEdaSources = () => request<EdaSourceList>('/edaSources');
export const putEdaSource = (name: string, body: EdaSourceBody) => request<EdaSource>(edaPath(name), { method: 'PUT', body });
export const deleteEdaSource = (name: string) => request<void>(edaPath(name), { method: 'DELETE' });
export const runEdaSource = (name: string, level: EdaLevel, configGroup?: string) =>
  request<EdaRunAnswer>(`${edaPath(name)}/runs`, { method: 'POST', body: configGroup ? { level, config_group: configGroup } : { level } });
export const listEdaReports = (name: string) => request<{ reports: EdaReport[] }>(`${edaPath(name)}/reports`).then((a) => a.reports);
/**
 * A report's summary: locally the JSON itself; in AWS a presigned link to it in the data bucket
 * (`redirect=false`), read straight from S3 (the bucket allows CORS reads, the console's CSP the
 * bucket), so a large summary does not pass through the API's Lambda.
 */
export async function getEdaSummary(name: string, reportId: string): Promise<EdaSummary> {
  const answer = await request<EdaSummary | { url: string; expires_in: number }>(`${edaPath(name)}/reports/${seg(reportId)}/summary?redirect=false`);
  if (!('url' in answer) || 'column_profiles' in answer) return answer as EdaSummary;
  const response = await fetch(answer.url, { credentials: 'omit' });
  if (!response.ok) throw new Error(`the report's summary could not be read from the bucket (HTTP ${response.status})`);
  return (await response.json()) as EdaSummary;
}

/**
 * A report's HTML page: locally the page itself (the API renders it), in AWS a presigned link to the
 * page rendered into the data bucket (`redirect=false`), which the browser opens on the bucket's origin.
 */
export async function getEdaReportPage(name: string, reportId: string): Promise<{ html: string } | { url: string }> {
  const answer = await requestBlob(`${edaPath(name)}/reports/${seg(reportId)}/html?redirect=false`);
  if (answer.type.startsWith('application/json')) return { url: (JSON.parse(await answer.text()) as { url: string }).url };
  return { html: await answer.text() };
}
