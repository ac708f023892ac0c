/**
 * JSON schemas of the answers serialize.ts builds (Airflow 2.10's shapes plus skydag's additions), for
 * the OpenAPI document: routes declare them as `response`, and the API tests check every answer
 * against the document (openapi-conformance.ts), so a schema here cannot drift from its serializer.
 * DAG_SCHEMA and DAG_COLLECTION_SCHEMA live beside serializeDag.
 */
import type { JsonSchema } from './validation.js';

const time: JsonSchema = { type: ['string', 'null'], format: 'date-time' };
const text: JsonSchema = { type: ['string', 'null'] };
const integer: JsonSchema = { type: 'integer' };
const nullableInteger: JsonSchema = { type: ['integer', 'null'] };

/** Airflow's `XCollection`: `{<field>: [item...], total_entries}`. */
export function collectionSchema(field: string, item: JsonSchema): JsonSchema {
  return { type: 'object', properties: { [field]: { type: 'array', items: item }, total_entries: integer }, required: [field, 'total_entries'] };
}

export const TOKEN_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { access_token: { type: 'string' }, token_type: { type: 'string', enum: ['Bearer'] }, expires_in: integer },
  required: ['access_token', 'token_type', 'expires_in'],
};

export const DAG_RUN_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    dag_run_id: { type: 'string' },
    dag_id: { type: 'string' },
    logical_date: time,
    execution_date: time,
    start_date: time,
    end_date: time,
    data_interval_start: time,
    data_interval_end: time,
    last_scheduling_decision: time,
    run_type: { type: 'string', enum: ['backfill', 'manual', 'scheduled', 'dataset_triggered'] },
    state: { type: 'string', enum: ['queued', 'running', 'success', 'failed'] },
    external_trigger: { type: 'boolean' },
    conf: { type: 'object', description: 'values of sensitive keys are masked' },
    note: text,
    queued_at: time,
    dag_version: { type: ['string', 'null'], description: 'skydag: the DAG version the run executes' },
    parent: { type: ['object', 'null'], description: 'skydag: the run and task that started this run (DagOperator, TriggerDagRunOperator)' },
  },
  required: ['dag_run_id', 'dag_id', 'logical_date', 'execution_date', 'start_date', 'end_date', 'run_type', 'state', 'external_trigger', 'conf', 'note'],
};

export const TASK_INSTANCE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    task_id: { type: 'string' },
    task_display_name: { type: 'string' },
    dag_id: { type: 'string' },
    dag_run_id: { type: 'string' },
    execution_date: time,
    start_date: time,
    end_date: time,
    duration: { type: ['number', 'null'] },
    state: { type: ['string', 'null'], description: 'null: no state yet' },
    try_number: integer,
    map_index: integer,
    max_tries: integer,
    hostname: text,
    unixname: text,
    pool: { type: 'string' },
    pool_slots: integer,
    queue: text,
    priority_weight: nullableInteger,
    operator: text,
    queued_when: time,
    pid: nullableInteger,
    note: text,
    rendered_fields: { type: 'object' },
    child_runs: { type: 'array', description: 'skydag: runs this task started' },
    config_group: {
      type: ['object', 'null'],
      description: 'skydag, Spark tasks: the config group the latest submitting try used (its content version changes whenever the group does)',
      properties: { name: { type: 'string' }, version: { type: 'string' } },
      required: ['name', 'version'],
    },
  },
  required: ['task_id', 'dag_id', 'dag_run_id', 'execution_date', 'start_date', 'end_date', 'duration', 'state', 'try_number', 'map_index', 'pool'],
};

export const LOG_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { content: { type: 'string' }, continuation_token: { type: ['string', 'null'] } },
  required: ['content', 'continuation_token'],
};

export const VARIABLE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { key: { type: 'string' }, value: { type: 'string', description: '*** when the key is sensitive' }, description: text },
  required: ['key', 'value', 'description'],
};

export const CONNECTION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    connection_id: { type: 'string' },
    conn_type: { type: 'string' },
    description: text,
    host: text,
    login: text,
    schema: text,
    port: nullableInteger,
    extra: { type: ['string', 'null'], description: 'sensitive keys masked; never the password, which is write-only' },
  },
  required: ['connection_id', 'conn_type', 'description', 'host', 'login', 'schema', 'port'],
};

export const POOL_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    slots: integer,
    occupied_slots: integer,
    running_slots: integer,
    queued_slots: integer,
    open_slots: integer,
    scheduled_slots: integer,
    deferred_slots: integer,
    description: text,
    include_deferred: { type: 'boolean' },
  },
  required: ['name', 'slots', 'occupied_slots', 'running_slots', 'queued_slots', 'open_slots', 'description', 'include_deferred'],
};

/** Closed: a user's password hash (or anything else on the record) can never leave through it. */
export const USER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    username: { type: 'string' },
    email: { type: 'string' },
    active: { type: 'boolean' },
    last_login: time,
    login_count: nullableInteger,
    failed_login_count: nullableInteger,
    roles: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
    created_on: time,
    changed_on: time,
  },
  required: ['first_name', 'last_name', 'username', 'email', 'active', 'last_login', 'roles', 'created_on', 'changed_on'],
  additionalProperties: false,
};

const named: JsonSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

export const ROLE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    actions: { type: 'array', items: { type: 'object', properties: { action: named, resource: named }, required: ['action', 'resource'] } },
  },
  required: ['name', 'actions'],
};

export const EVENT_LOG_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    event_log_id: { type: 'string', description: 'skydag: a string id (Airflow: an integer)' },
    when: time,
    dag_id: text,
    task_id: text,
    run_id: text,
    map_index: nullableInteger,
    try_number: nullableInteger,
    event: { type: 'string' },
    execution_date: time,
    owner: text,
    extra: text,
    source_ip: { type: ['string', 'null'], description: 'skydag' },
  },
  required: ['event_log_id', 'when', 'dag_id', 'task_id', 'run_id', 'event', 'owner', 'extra'],
};

export const IMPORT_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    import_error_id: { type: 'string', description: 'skydag: the file name, base64url-encoded' },
    timestamp: time,
    filename: { type: 'string' },
    stack_trace: { type: 'string' },
    diagnostics: { type: 'array', items: { type: 'object' }, description: 'skydag: structured errors (empty when the caller may not read every DAG of the file)' },
  },
  required: ['import_error_id', 'timestamp', 'filename', 'stack_trace'],
};

export const XCOM_ITEM_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    timestamp: time,
    execution_date: time,
    map_index: integer,
    task_id: { type: 'string' },
    dag_id: { type: 'string' },
    dag_run_id: { type: 'string', description: 'skydag' },
  },
  required: ['key', 'timestamp', 'execution_date', 'map_index', 'task_id', 'dag_id'],
};

export const XCOM_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { ...XCOM_ITEM_SCHEMA.properties, value: { description: 'Python str() of the value unless stringify=false; sensitive keys masked' }, value_json: { description: 'skydag: the value as JSON' } },
  required: [...XCOM_ITEM_SCHEMA.required!, 'value'],
};
