/** Record builders for the store contract tests: only the fields a test cares about need to be given. */
import type {
  AuditLogRecord,
  ConnectionRecord,
  DagRecord,
  DagRunRecord,
  DagVersionRecord,
  ImportErrorRecord,
  PoolRecord,
  RepositoryVersionRecord,
  RoleRecord,
  TaskInstanceRecord,
  UserRecord,
  VariableRecord,
  XComRecord,
} from '../../shared/model/records.js';
import { makeDag, makeTask } from '../helpers/model.js';

export function runRecord(dagId: string, runId: string, logicalDate: string, overrides: Partial<DagRunRecord> = {}): DagRunRecord {
  return {
    dag_id: dagId,
    run_id: runId,
    logical_date: logicalDate,
    data_interval_start: logicalDate,
    data_interval_end: logicalDate,
    run_type: 'manual',
    state: 'queued',
    external_trigger: true,
    conf: {},
    queued_at: '2024-01-01T00:00:00.000Z',
    start_date: null,
    end_date: null,
    dag_version: 'v1',
    parent: null,
    note: null,
    ...overrides,
  };
}

export function tiRecord(dagId: string, runId: string, taskId: string, overrides: Partial<TaskInstanceRecord> = {}): TaskInstanceRecord {
  return {
    dag_id: dagId,
    run_id: runId,
    task_id: taskId,
    map_index: -1,
    state: null,
    try_number: 0,
    max_tries: 1,
    start_date: null,
    end_date: null,
    duration: null,
    queued_when: null,
    operator: 'BashOperator',
    pool: 'default_pool',
    pool_slots: 1,
    queue: null,
    priority_weight: 1,
    hostname: '',
    token: null,
    decision: null,
    rendered_fields: null,
    note: null,
    ...overrides,
  };
}

export function xcomRecord(dagId: string, runId: string, taskId: string, key: string, value: unknown, overrides: Partial<XComRecord> = {}): XComRecord {
  return { dag_id: dagId, run_id: runId, task_id: taskId, map_index: -1, key, value, timestamp: '2024-01-01T00:00:00.000Z', ...overrides };
}

export function dagRecord(dagId: string, overrides: Partial<DagRecord> = {}): DagRecord {
  return {
    dag_id: dagId,
    fileloc: `${dagId}.py`,
    is_paused: false,
    is_active: true,
    current_version: 'v1',
    description: null,
    schedule: { type: 'cron', cron: '0 0 * * *', preset: '@daily' },
    schedule_description: 'At 00:00',
    timezone: 'UTC',
    tags: [],
    owners: ['airflow'],
    max_active_runs: 16,
    max_active_tasks: 16,
    catchup: false,
    start_date: '2024-01-01T00:00:00.000Z',
    end_date: null,
    last_parsed_time: '2024-01-01T00:00:00.000Z',
    next_dagrun: null,
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    ...overrides,
  };
}

/** A DAG version whose model has one task (with `docBytes` of doc_md, to make big models). */
export function versionRecord(dagId: string, version: string, createdAt: string, docBytes = 10): DagVersionRecord {
  return {
    dag_id: dagId,
    version,
    created_at: createdAt,
    fileloc: `${dagId}.py`,
    model: makeDag(dagId, [makeTask('t1', { doc_md: 'd'.repeat(docBytes) })]),
  };
}

export function importErrorRecord(filename: string, message = 'syntax error'): ImportErrorRecord {
  return {
    filename,
    timestamp: '2024-01-01T00:00:00.000Z',
    diagnostics: [{ file: filename, line: 1, col: 1, message, code: 'SKYDAG-P001', severity: 'error' }],
  };
}

export const variableRecord = (key: string, value = 'v'): VariableRecord => ({ key, value, encrypted: false, description: null });

export function connectionRecord(connId: string, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    conn_id: connId,
    conn_type: 'postgres',
    description: null,
    host: 'db.example',
    schema: 'public',
    login: 'user',
    password: 'secret',
    port: 5432,
    extra: '{"sslmode":"require"}',
    encrypted: true,
    ...overrides,
  };
}

export const poolRecord = (name: string, slots = 4): PoolRecord => ({ name, slots, description: null });

export function repositoryVersionRecord(name: string, version: number, overrides: Partial<RepositoryVersionRecord> = {}): RepositoryVersionRecord {
  return {
    kind: 'model',
    name,
    version,
    flavor: 'tensorflow',
    description: '',
    file_name: 'model.tar.gz',
    size: 1234,
    sha256: 'a'.repeat(64),
    blob_key: `repository/model/${name}/u${version}/model.tar.gz`,
    serving_prefix: `repository/tf-serving/${name}/${version}/`,
    created_at: '2024-05-01T00:00:00.000Z',
    created_by: 'op',
    ...overrides,
  };
}

export function roleRecord(name: string, overrides: Partial<RoleRecord> = {}): RoleRecord {
  return {
    name,
    permissions: [
      { action: 'can_read', resource: 'DAG Runs' },
      { action: 'can_edit', resource: 'DAG:etl' },
    ],
    created_on: '2024-01-01T00:00:00.000Z',
    changed_on: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function userRecord(username: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    username,
    email: `${username}@example.com`,
    first_name: 'First',
    last_name: 'Last',
    password_hash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
    roles: ['Viewer'],
    active: true,
    created_on: '2024-01-01T00:00:00.000Z',
    changed_on: '2024-01-01T00:00:00.000Z',
    last_login: null,
    ...overrides,
  };
}

export function auditRecord(id: string, when: string, overrides: Partial<AuditLogRecord> = {}): AuditLogRecord {
  return {
    event_log_id: id,
    when,
    event: 'trigger',
    owner: 'admin',
    dag_id: null,
    task_id: null,
    run_id: null,
    source_ip: '127.0.0.1',
    extra: null,
    ...overrides,
  };
}
