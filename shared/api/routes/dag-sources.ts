/**
 * GET /dagSources/{file_token} (Airflow's get_dag_source): the source of a DAG file, named by the
 * `file_token` of its DAGs (DAG_SCHEMA; base64url of the file's path in the DAGs folder). The text
 * is the file as its DAGs' current version was read. JSON `{content}`, or the text itself when the
 * client accepts text/plain only. Like the versions route, the text is only for who can read every
 * DAG the file defines: a file none of whose DAGs the caller reads is 404 (as absent), one it reads
 * only partly is 403, as Airflow answers.
 */
import { jsonResponse, textResponse } from '../http.js';
import { ApiError, notFound } from '../problem.js';
import { defineRoute } from '../route.js';

/** The file a token names, or undefined when it is not one (base64url of a relative path). */
function fileOf(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const file = Buffer.from(token, 'base64url').toString('utf8');
  return Buffer.from(file, 'utf8').toString('base64url') === token ? file : undefined;
}

/** Airflow's negotiation: text/plain when the client asks for it and not for JSON. */
function wantsText(accept: string | undefined): boolean {
  return accept !== undefined && /text\/plain/.test(accept) && !/application\/json/.test(accept);
}

export const dagSourceRoutes = [
  defineRoute({
    id: 'get_dag_source',
    method: 'GET',
    path: '/api/v1/dagSources/{file_token}',
    access: { permissions: ['read:dags'] },
    dags: 'listed',
    summary: "Get a DAG file's source by its DAGs' file_token: JSON {content}, or text/plain when asked for.",
    response: { type: 'object', properties: { content: { type: 'string' } }, required: ['content'] },
    async handle({ deps, dags: access, params, request }) {
      const file = fileOf(params.file_token!);
      const missing = () => notFound('DAG source not found', `No DAG file matches the file_token '${params.file_token}'`);
      if (file === undefined) throw missing();
      const defined = await access.definedIn(file);
      const readable = access.allowed(defined);
      if (!readable.length) throw missing();
      if (readable.length < defined.length) throw new ApiError('PermissionDenied', `You don't have the permission to read this file: it needs can_read on every DAG ${file} defines`);
      // The current version of an active DAG of the file is the file as last read; any DAG's otherwise.
      const dag = defined.find((d) => d.is_active) ?? defined[0]!;
      const content = (await deps.store.getDagVersion(dag.dag_id, dag.current_version))?.source;
      if (content === undefined) throw missing();
      return wantsText(request.headers.accept) ? textResponse(200, content) : jsonResponse(200, { content });
    },
  }),
];
