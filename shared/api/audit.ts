/**
 * The audit log: every mutating request that got past authentication (allowed or denied, successful
 * or not) and every login attempt writes one record — who, what, which DAG/run/task, from where, the
 * outcome status, and the request body with secrets masked (a request refused before its handler ran
 * records why instead of its body). Masking is layered: the route's own
 * extra (connections mask `password`/`extra`, variables mask values of sensitive keys, uploads record
 * a hash instead of the content), then redactByKey (shared/secrets/masker.ts) over the whole record (keys like password, token,
 * secret, api_key, ...). Passwords therefore never reach the log, as Couture's @action_logging let
 * them.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLogRecord } from '../model/records.js';
import { redactByKey } from '../secrets/masker.js';
import type { Principal } from './auth/users.js';
import type { ApiDeps } from './deps.js';
import type { ApiRequest } from './http.js';
import type { AuditNote } from './route.js';

const MAX_EXTRA_CHARS = 8000;

export function buildAuditRecord(
  deps: Pick<ApiDeps, 'clock'>,
  request: ApiRequest,
  principal: Principal | null,
  note: AuditNote,
  status: number,
  extra: unknown,
): AuditLogRecord {
  const query = Object.keys(request.query).length ? Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, v.length === 1 ? v[0] : v])) : undefined;
  const body = note.refused !== undefined ? { refused: note.refused } : extra !== undefined && extra !== null ? { body: extra } : {};
  const payload = redactByKey({ status, method: request.method, path: request.rawPath, ...(query ? { query } : {}), ...body });
  let text = JSON.stringify(payload);
  if (text.length > MAX_EXTRA_CHARS) text = JSON.stringify(redactByKey({ status, method: request.method, path: request.rawPath, truncated: true }));
  return {
    event_log_id: randomUUID(),
    when: deps.clock().toISOString(),
    event: note.event,
    owner: principal?.username ?? note.owner ?? 'anonymous',
    dag_id: note.dag_id,
    task_id: note.task_id,
    run_id: note.run_id,
    source_ip: request.sourceIp,
    extra: text,
  };
}
