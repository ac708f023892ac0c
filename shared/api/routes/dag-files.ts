/**
 * POST /api/v1/dagFiles (skydag): upload a DAG file, as multipart/form-data (part `file`, optional
 * field `filename`) or JSON `{filename, content}`. The file is validated with the same front-ends as
 * the DAGs folder, within the same parse limits (the bounded loader), *before* anything is stored:
 * any error — a parse limit included — → 400 with every diagnostic (file:line:col) and nothing
 * written. The name must be a bare file name (no path separators, no
 * `..`, not hidden) with a DAG extension; the DagFileSink writes it to the DAGs folder or bucket,
 * where the usual loader registers it. POST /api/v1/dagFiles/validate runs the same checks on
 * `{filename, content}` and stores nothing (the console's editor, as you type). DELETE
 * /api/v1/dagFiles/{filename} removes a file the same way (the loader then deactivates its DAGs).
 */
import { createHash } from 'node:crypto';
import { DiagnosticCode, formatDiagnostic, hasErrors } from '../../model/diagnostics.js';
import type { Dag, Diagnostic } from '../../model/schema.js';
import { DAG_FILE_EXTENSIONS, isDagFileCandidate, type LoadedDagFile } from '../../frontends/index.js';
import { dagPermissionDenied, type DagAccess } from '../auth/dag-access.js';
import type { ApiDeps } from '../deps.js';
import { jsonResponse, noContent } from '../http.js';
import { multipartBoundary, parseMultipart } from '../multipart.js';
import { ApiError, badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { scheduleInterval, serializeTask } from '../serialize.js';
import { parseJsonBody, validateBody, type JsonSchema } from '../validation.js';

export const MAX_DAG_FILE_BYTES = 2 * 1024 * 1024;
/** An upload's body: the file, escaped as a JSON string (newlines and quotes double) or in a multipart form. */
export const MAX_DAG_UPLOAD_BODY_BYTES = 5 * 1024 * 1024;

/** A bare, safe file name with a DAG extension, or a 400 saying what is wrong with it. */
export function sanitizeDagFilename(name: string): string {
  const refuse = (why: string) => badRequest(`invalid filename '${name.slice(0, 100)}': ${why}`);
  if (name.length === 0) throw refuse('it is empty');
  if (name.length > 200) throw refuse('it is longer than 200 characters');
  if (/[/\\]/.test(name)) throw refuse('it must be a bare file name, without directories');
  if (name.includes('..')) throw refuse("it must not contain '..'");
  if (name.startsWith('.')) throw refuse("it must not start with '.' (hidden files are not loaded)");
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw refuse('only letters, digits, dot, dash and underscore are allowed');
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot);
  if (!DAG_FILE_EXTENSIONS.includes(ext)) throw refuse(`the extension must be one of ${DAG_FILE_EXTENSIONS.join(', ')}`);
  return name;
}

function decodeText(data: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw badRequest('the DAG file is not valid UTF-8 text');
  }
}

interface Upload {
  filename: string;
  content: string;
}

const JSON_UPLOAD: JsonSchema = {
  type: 'object',
  properties: { filename: { type: 'string' }, content: { type: 'string', maxLength: MAX_DAG_FILE_BYTES } },
  required: ['filename', 'content'],
  additionalProperties: false,
};

function readUpload(contentType: string | undefined, body: Buffer | undefined): Upload {
  const boundary = multipartBoundary(contentType);
  if (boundary) {
    if (!body?.length) throw badRequest('request body is required (multipart/form-data with a `file` part)');
    const parts = parseMultipart(body, boundary);
    const file = parts.find((p) => p.name === 'file');
    if (!file) throw badRequest("multipart body has no 'file' part");
    const override = parts.find((p) => p.name === 'filename' && p.filename === undefined);
    const filename = override ? override.data.toString('utf8') : file.filename;
    if (filename === undefined) throw badRequest("the 'file' part has no filename; add one or send a 'filename' field");
    if (file.data.length > MAX_DAG_FILE_BYTES) throw new ApiError('PayloadTooLarge', `the DAG file is larger than ${MAX_DAG_FILE_BYTES} bytes`);
    return { filename, content: decodeText(file.data) };
  }
  if (contentType && !/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new ApiError('UnsupportedMediaType', `send the DAG file as multipart/form-data or as application/json {filename, content} (got ${contentType.split(';')[0]})`);
  }
  return validateBody<Upload>(JSON_UPLOAD, parseJsonBody(body));
}

/** access_control in a comparable form: roles sorted (actions are already in DAG_ACTIONS order); absent ≠ empty. */
const accessControlKey = (a: Dag['access_control']): string => (a ? JSON.stringify(Object.keys(a).sort().map((role) => [role, a[role]])) : 'none');

/**
 * Per-DAG permissions of an upload, for callers without can_edit on every DAG: they must hold
 * can_edit on every DAG the file defines (a DAG id not seen before needs a grant on `DAG:<id>`), on
 * every DAG the file name defines now (the upload replaces it), and leave each DAG's access_control
 * as it is (changing who may reach a DAG needs can_edit on every DAG). A DAG they cannot see is
 * refused exactly like one that does not exist.
 */
async function authorizeUpload(access: DagAccess, filename: string, dags: readonly Dag[]): Promise<void> {
  if (access.holdsGlobally('can_edit')) return;
  for (const dag of dags) {
    if (!(await access.can(dag.dag_id, 'can_edit'))) throw dagPermissionDenied(access.principal, `can_edit on DAG '${dag.dag_id}' to upload a file that defines it`);
  }
  const current = await access.definedIn(filename);
  if (access.allowed(current, 'can_edit').length < current.length) {
    throw dagPermissionDenied(access.principal, `can_edit on every DAG that ${filename} defines now, to replace it`);
  }
  for (const dag of dags) {
    if (accessControlKey(dag.access_control) !== accessControlKey((await access.record(dag.dag_id))?.access_control)) {
      throw dagPermissionDenied(access.principal, `can_edit on all DAGs to change the access_control of DAG '${dag.dag_id}'`);
    }
  }
}

const dagFileNotFound = (filename: string) => notFound('DAG file not found', `There is no DAG file '${filename}' in the DAGs folder`);

/**
 * Per-DAG permissions of a file deletion: the caller must hold can_delete on every DAG the file
 * defines (its DAGs are deactivated with it). A file whose DAGs are all hidden from the caller answers
 * as a file that does not exist; otherwise the refusal names no DAG, so it tells nothing of the DAGs
 * the caller cannot see.
 */
async function authorizeFileDeletion(access: DagAccess, filename: string): Promise<void> {
  if (access.holdsGlobally('can_delete')) return;
  const current = await access.definedIn(filename);
  if (current.length > 0 && current.every((d) => access.actionsOn(d.dag_id, d).size === 0)) throw dagFileNotFound(filename);
  if (access.allowed(current, 'can_delete').length < current.length) {
    throw dagPermissionDenied(access.principal, `can_delete on every DAG that ${filename} defines`);
  }
}

export interface DagFileCheck {
  loaded: LoadedDagFile;
  /** The file's diagnostics plus a DAG id another active file already defines. */
  diagnostics: Diagnostic[];
  /** Why the file cannot be a DAG file at all (empty, or not a DAG candidate). */
  refusal?: string;
}

/**
 * What upload and validation both check: the file reads without errors, the caller may edit what it
 * defines (before anything else is said about its DAG ids, so a hidden DAG answers as an absent one),
 * and its DAG ids are its own.
 */
export async function checkDagFile(deps: ApiDeps, access: DagAccess, filename: string, content: string): Promise<DagFileCheck> {
  const empty: LoadedDagFile = { file: filename, dags: [], diagnostics: [] };
  if (content.trim() === '') return { loaded: empty, diagnostics: [], refusal: `${filename}: the file is empty` };
  if (!isDagFileCandidate(filename, content)) {
    return { loaded: empty, diagnostics: [], refusal: `${filename}: not a DAG file — a Python DAG file must mention both 'airflow' and 'dag' (Airflow's safe-mode rule), or it would never be loaded` };
  }
  const loaded = await deps.dagLoader.load(content, { file: filename, now: deps.clock() });
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  if (!hasErrors(diagnostics)) {
    await authorizeUpload(access, filename, loaded.dags);
    for (const dag of loaded.dags) {
      const existing = await deps.store.getDag(dag.dag_id);
      if (existing && existing.is_active && existing.fileloc !== filename) {
        diagnostics.push({
          file: filename,
          line: dag.source.line,
          col: dag.source.col,
          message: `DAG id '${dag.dag_id}' is already defined in '${existing.fileloc}'`,
          code: DiagnosticCode.DUPLICATE_DAG_ID,
          severity: 'error',
          dag_id: dag.dag_id,
          hint: 'rename the DAG, or upload the new version under the file name that defines it',
        });
      }
    }
  }
  return { loaded, diagnostics };
}

export const dagFileRoutes = [
  defineRoute({
    id: 'post_dag_file',
    method: 'POST',
    path: '/api/v1/dagFiles',
    access: { permissions: ['create:dag_files', 'edit:dags'] },
    dags: 'content',
    summary: 'Upload a DAG file (.py, .yaml, .yml); validated before it is stored (skydag).',
    body: 'raw',
    maxBodyBytes: MAX_DAG_UPLOAD_BODY_BYTES,
    audit: { event: 'dag_file.upload', extra: () => null },
    async handle({ deps, dags: access, request, audit }) {
      const upload = readUpload(request.headers['content-type'], request.body);
      const filename = sanitizeDagFilename(upload.filename);
      const bytes = Buffer.byteLength(upload.content, 'utf8');
      audit.extra = { filename, bytes, sha256: createHash('sha256').update(upload.content, 'utf8').digest('hex') };
      const { loaded, diagnostics, refusal } = await checkDagFile(deps, access, filename, upload.content);
      if (refusal) throw badRequest(refusal);
      if (hasErrors(diagnostics) || loaded.dags.length === 0) {
        const errors = diagnostics.filter((d) => d.severity === 'error');
        const shown = errors.length ? errors : diagnostics;
        const detail = errors.length
          ? `${filename} has ${errors.length} error(s); nothing was stored:\n${shown.map(formatDiagnostic).join('\n')}`
          : `${filename} defines no DAG; nothing was stored${shown.length ? `:\n${shown.map(formatDiagnostic).join('\n')}` : ''}`;
        throw badRequest(detail, { diagnostics }, 'Invalid DAG file');
      }
      await deps.dagFiles.write(filename, upload.content);
      audit.extra = { ...(audit.extra as object), dag_ids: loaded.dags.map((d) => d.dag_id) };
      return jsonResponse(201, {
        filename,
        dags: loaded.dags.map((d) => ({ dag_id: d.dag_id, tasks: d.tasks.length, schedule_interval: scheduleInterval(d.schedule) })),
        warnings: diagnostics.filter((d) => d.severity === 'warning'),
      });
    },
  }),
  defineRoute<Record<string, never>, Upload>({
    id: 'validate_dag_file',
    method: 'POST',
    path: '/api/v1/dagFiles/validate',
    access: { permissions: ['create:dag_files', 'edit:dags'] },
    dags: 'content',
    summary: "Check a DAG file without storing it: every diagnostic at file:line:col, and the DAGs' tasks (skydag).",
    body: JSON_UPLOAD,
    // Any file the upload takes can be checked first.
    maxBodyBytes: MAX_DAG_UPLOAD_BODY_BYTES,
    // Nothing changes: the editor calls this as the user types, so it is not an audited action.
    readOnly: true,
    async handle({ deps, dags: access, body }) {
      const filename = sanitizeDagFilename(body.filename);
      const { loaded, diagnostics, refusal } = await checkDagFile(deps, access, filename, body.content);
      const problems = refusal ? [{ file: filename, line: 1, col: 1, message: refusal, code: DiagnosticCode.UNSUPPORTED, severity: 'error' as const }] : diagnostics;
      const valid = !hasErrors(problems) && loaded.dags.length > 0;
      if (!refusal && loaded.dags.length === 0 && !hasErrors(problems)) {
        problems.push({ file: filename, line: 1, col: 1, message: `${filename} defines no DAG`, code: DiagnosticCode.UNSUPPORTED, severity: 'error' });
      }
      return {
        filename,
        valid,
        diagnostics: problems,
        // The DAGs as they would be registered (the editor's graph preview); none when the file has errors.
        dags: valid ? loaded.dags.map((d) => ({ dag_id: d.dag_id, schedule_interval: scheduleInterval(d.schedule), tasks: d.tasks.map((t) => serializeTask(t, d)), edge_labels: d.edge_labels ?? [] })) : [],
      };
    },
  }),
  defineRoute({
    id: 'delete_dag_file',
    method: 'DELETE',
    path: '/api/v1/dagFiles/{filename}',
    access: { permissions: ['delete:dag_files', 'delete:dags'] },
    dags: 'content',
    summary: 'Delete a DAG file: its DAGs are deactivated (their runs and history are kept) (skydag).',
    audit: { event: 'dag_file.delete' },
    async handle({ deps, dags: access, params, audit }) {
      const filename = sanitizeDagFilename(params.filename!);
      audit.extra = { filename };
      await authorizeFileDeletion(access, filename);
      if (!(await deps.dagFiles.remove(filename))) throw dagFileNotFound(filename);
      return noContent();
    },
  }),
];
