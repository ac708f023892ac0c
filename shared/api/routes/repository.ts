/**
 * Models and datasets (skydag endpoints; Couture's "Models and Datasets" page), one set per kind:
 *
 *   GET    /api/v1/models                                   names with their latest version
 *   GET    /api/v1/models/{name}/versions                   every version of a name
 *   GET    /api/v1/models/{name}/versions/{version}         one version (`latest` allowed), with its URI
 *   GET    /api/v1/models/{name}/versions/{version}/file    the file as uploaded
 *   PATCH  /api/v1/models/{name}/versions/{version}         its description
 *   DELETE /api/v1/models/{name}/versions/{version}, DELETE /api/v1/models/{name}
 *   POST   /api/v1/modelUploads                             open a resumable upload (name, flavor, file, size, sha256)
 *   GET    /api/v1/modelUploads/{upload_id}                 which chunks are in (resume from there)
 *   PUT    /api/v1/modelUploads/{upload_id}/chunks/{index}  one chunk (raw body; X-Chunk-SHA256 checked when sent)
 *   POST   /api/v1/modelUploads/{upload_id}/complete        assemble, check, record the next version
 *   DELETE /api/v1/modelUploads/{upload_id}                 abandon
 *   GET    /api/v1/modelServingConfig                       TF Serving's models.config
 *
 * and the same under `datasets` / `datasetUploads` (no flavor, no serving config). Reading needs User,
 * writing Op (auth/permissions.ts). Bad input is a 400 that changes nothing.
 */
import type { RepositoryKind } from '../../model/records.js';
import { MODEL_FLAVORS, RepositoryInputError, RepositoryNotFoundError } from '../../repository/names.js';
import { MAX_CHUNK_BYTES, type Repository, type UploadRequest } from '../../repository/repository.js';
import type { Permission } from '../auth/permissions.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { badRequest, notFound } from '../problem.js';
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { collectionSchema } from '../response-schemas.js';
import type { JsonSchema } from '../validation.js';

function repository(deps: ApiDeps): Repository {
  if (!deps.repository) throw notFound('Not Found', 'the models and datasets repository is not available on this deployment');
  return deps.repository;
}

/** Repository refusals as problems: bad input 400, missing things 404. */
export async function repositoryErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RepositoryInputError) throw badRequest(error.message);
    if (error instanceof RepositoryNotFoundError) throw notFound('Not Found', error.message);
    throw error;
  }
}

/** How long a presigned download URL works: long enough to start a large download, short enough not to be worth sharing. */
export const PRESIGNED_DOWNLOAD_SECONDS = 300;

const time: JsonSchema = { type: 'string', format: 'date-time' };
const flavor: JsonSchema = { type: ['string', 'null'], enum: [...MODEL_FLAVORS, null] };

const VERSION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['model', 'dataset'] },
    name: { type: 'string' },
    version: { type: 'integer' },
    flavor,
    description: { type: 'string' },
    file_name: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    uri: { type: 'string', description: 'what a task loads: the SavedModel folder of a TensorFlow model, else the file (a local path, or s3://)' },
    file_uri: { type: 'string' },
    created_at: time,
    created_by: { type: ['string', 'null'] },
  },
  required: ['kind', 'name', 'version', 'flavor', 'description', 'file_name', 'size', 'sha256', 'uri', 'file_uri', 'created_at', 'created_by'],
};

const SUMMARY_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    name: { type: 'string' },
    flavor,
    latest_version: { type: 'integer' },
    version_count: { type: 'integer' },
    description: { type: 'string' },
    updated_at: time,
  },
  required: ['kind', 'name', 'flavor', 'latest_version', 'version_count', 'description', 'updated_at'],
};

const UPLOAD_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    upload_id: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    flavor,
    file_name: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: ['string', 'null'] },
    description: { type: 'string' },
    chunk_size: { type: 'integer' },
    chunk_count: { type: 'integer' },
    received: { type: 'array', items: { type: 'integer' } },
    completed_version: { type: ['integer', 'null'] },
    created_by: { type: ['string', 'null'] },
    created_at: time,
    expires_at: time,
  },
  required: ['upload_id', 'kind', 'name', 'file_name', 'size', 'chunk_size', 'chunk_count', 'received', 'completed_version', 'expires_at'],
};

const noteName = (ctx: RouteContext<unknown, unknown>) => ({ name: ctx.params.name, ...(ctx.params.version ? { version: ctx.params.version } : {}) });

/** The routes of one kind: `model` under models/modelUploads, `dataset` under datasets/datasetUploads. */
function kindRoutes(kind: RepositoryKind): Route[] {
  const plural = `${kind}s`;
  const base = `/api/v1/${plural}`;
  const uploads = `/api/v1/${kind}Uploads`;
  const can = (verb: 'read' | 'create' | 'edit' | 'delete') => [`${verb}:${plural}` as Permission];
  const uploadBody: JsonSchema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      ...(kind === 'model' ? { flavor: { type: 'string', enum: [...MODEL_FLAVORS] } } : {}),
      file_name: { type: 'string' },
      size: { type: 'integer', minimum: 1 },
      sha256: { type: ['string', 'null'] },
      description: { type: 'string' },
      chunk_size: { type: 'integer', minimum: 1, maximum: MAX_CHUNK_BYTES },
    },
    required: kind === 'model' ? ['name', 'flavor', 'file_name', 'size'] : ['name', 'file_name', 'size'],
    additionalProperties: false,
  };
  return [
    defineRoute({
      id: `get_${plural}`,
      method: 'GET',
      path: base,
      access: { permissions: can('read') },
      dags: 'none',
      summary: `List ${plural}: each name with its latest version (skydag).`,
      response: collectionSchema(plural, SUMMARY_SCHEMA),
      async handle({ deps }) {
        const list = await repositoryErrors(() => repository(deps).list(kind));
        return { [plural]: list, total_entries: list.length };
      },
    }),
    defineRoute({
      id: `get_${kind}_versions`,
      method: 'GET',
      path: `${base}/{name}/versions`,
      access: { permissions: can('read') },
      dags: 'none',
      summary: `Every version of a ${kind}, oldest first (skydag).`,
      response: collectionSchema('versions', VERSION_SCHEMA),
      async handle({ deps, params }) {
        const versions = await repositoryErrors(() => repository(deps).versions(kind, params.name!));
        return { versions, total_entries: versions.length };
      },
    }),
    defineRoute({
      id: `get_${kind}_version`,
      method: 'GET',
      path: `${base}/{name}/versions/{version}`,
      access: { permissions: can('read') },
      dags: 'none',
      summary: `One version of a ${kind} (\`latest\`: the highest), with the URI tasks load it from (skydag).`,
      response: VERSION_SCHEMA,
      async handle({ deps, params }) {
        return repositoryErrors(() => repository(deps).get(kind, params.name!, params.version!));
      },
    }),
    defineRoute({
      id: `get_${kind}_version_file`,
      method: 'GET',
      path: `${base}/{name}/versions/{version}/file`,
      access: { permissions: can('read') },
      dags: 'none',
      summary: `Download a ${kind} version's file as uploaded (skydag). In AWS: a 302 to a presigned S3 URL valid for ${PRESIGNED_DOWNLOAD_SECONDS} s (\`redirect=false\`: the URL as JSON), as Lambda answers at most 6 MB; locally the file itself.`,
      query: { type: 'object', properties: { redirect: { type: 'boolean', default: true, description: 'false: answer {url, expires_in, file_name, sha256} instead of a redirect (AWS only)' } } },
      audit: { event: `${kind}.download` },
      async handle({ deps, params, query, audit }) {
        const link = await repositoryErrors(() => repository(deps).downloadLink(kind, params.name!, params.version!, PRESIGNED_DOWNLOAD_SECONDS));
        if (link) {
          // Recorded without the URL: its signature is a bearer credential for the file until it expires.
          audit.extra = { name: link.version.name, version: link.version.version, sha256: link.version.sha256, via: 'presigned_url', expires_in: PRESIGNED_DOWNLOAD_SECONDS };
          const answer = { url: link.url, expires_in: PRESIGNED_DOWNLOAD_SECONDS, file_name: link.version.file_name, sha256: link.version.sha256 };
          if ((query as { redirect?: boolean }).redirect === false) return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(answer) };
          return { status: 302, headers: { location: link.url, 'cache-control': 'no-store' }, body: '' };
        }
        const { version, body } = await repositoryErrors(() => repository(deps).download(kind, params.name!, params.version!));
        audit.extra = { name: version.name, version: version.version, sha256: version.sha256, via: 'api' };
        return {
          status: 200,
          headers: {
            'content-type': 'application/octet-stream',
            'content-disposition': `attachment; filename="${version.file_name}"`,
            'x-content-sha256': version.sha256,
          },
          body,
        };
      },
    }),
    defineRoute<Record<string, never>, { description: string }>({
      id: `patch_${kind}_version`,
      method: 'PATCH',
      path: `${base}/{name}/versions/{version}`,
      access: { permissions: can('edit') },
      dags: 'none',
      summary: `Describe a ${kind} version (skydag).`,
      body: { type: 'object', properties: { description: { type: 'string', maxLength: 4000 } }, required: ['description'], additionalProperties: false },
      response: VERSION_SCHEMA,
      audit: { event: `${kind}.describe`, extra: (ctx) => ({ ...noteName(ctx), description: ctx.body?.description }) },
      async handle({ deps, params, body }) {
        return repositoryErrors(() => repository(deps).describe(kind, params.name!, params.version!, body.description));
      },
    }),
    defineRoute({
      id: `delete_${kind}_version`,
      method: 'DELETE',
      path: `${base}/{name}/versions/{version}`,
      access: { permissions: can('delete') },
      dags: 'none',
      summary: `Delete one version of a ${kind} (its file, and for TensorFlow models its served copy) (skydag).`,
      audit: { event: `${kind}.delete_version`, extra: noteName },
      async handle({ deps, params }) {
        await repositoryErrors(() => repository(deps).deleteVersion(kind, params.name!, params.version!));
        return noContent();
      },
    }),
    defineRoute({
      id: `delete_${kind}`,
      method: 'DELETE',
      path: `${base}/{name}`,
      access: { permissions: can('delete') },
      dags: 'none',
      summary: `Delete every version of a ${kind} (skydag).`,
      audit: { event: `${kind}.delete`, extra: noteName },
      async handle({ deps, params }) {
        await repositoryErrors(() => repository(deps).deleteAll(kind, params.name!));
        return noContent();
      },
    }),
    defineRoute<Record<string, never>, Omit<UploadRequest, 'kind'>>({
      id: `post_${kind}_upload`,
      method: 'POST',
      path: uploads,
      access: { permissions: can('create') },
      dags: 'none',
      summary: `Open a resumable ${kind} upload: then PUT its chunks and POST …/complete (skydag).`,
      body: uploadBody,
      response: UPLOAD_SCHEMA,
      audit: { event: `${kind}.upload_start` },
      async handle({ deps, body, principal, audit }) {
        const session = await repositoryErrors(() => repository(deps).startUpload({ ...body, kind }, principal?.username ?? null));
        audit.extra = { ...body, upload_id: session.upload_id };
        return session;
      },
    }),
    defineRoute({
      id: `get_${kind}_upload`,
      method: 'GET',
      path: `${uploads}/{upload_id}`,
      access: { permissions: can('create') },
      dags: 'none',
      summary: `An open ${kind} upload: the chunks received so far (skydag).`,
      response: UPLOAD_SCHEMA,
      async handle({ deps, params }) {
        return repositoryErrors(() => repository(deps).uploadStatus(params.upload_id!, kind));
      },
    }),
    defineRoute({
      id: `put_${kind}_upload_chunk`,
      method: 'PUT',
      path: `${uploads}/{upload_id}/chunks/{index}`,
      access: { permissions: can('create') },
      dags: 'none',
      summary: `One chunk of a ${kind} upload (raw body of exactly the chunk's size; X-Chunk-SHA256 checked when sent; a retry replaces it) (skydag).`,
      body: 'raw',
      maxBodyBytes: MAX_CHUNK_BYTES,
      response: { type: 'object', properties: { index: { type: 'integer' }, size: { type: 'integer' } }, required: ['index', 'size'] },
      audit: { event: `${kind}.upload_chunk`, extra: (ctx) => ({ upload_id: ctx.params.upload_id, index: ctx.params.index, bytes: ctx.request.body?.length ?? 0 }) },
      async handle({ deps, params, request }) {
        const index = /^\d{1,5}$/.test(params.index!) ? Number(params.index) : NaN;
        const checksum = request.headers['x-chunk-sha256'];
        return repositoryErrors(() => repository(deps).putChunk(params.upload_id!, kind, index, request.body ?? Buffer.alloc(0), checksum));
      },
    }),
    defineRoute({
      id: `post_${kind}_upload_complete`,
      method: 'POST',
      path: `${uploads}/{upload_id}/complete`,
      access: { permissions: can('create') },
      dags: 'none',
      summary: `Complete a ${kind} upload: the chunks are assembled and checked (size, SHA-256${kind === 'model' ? ', a SavedModel for TensorFlow' : ''}) and recorded as the next version (skydag).`,
      response: VERSION_SCHEMA,
      audit: { event: `${kind}.upload_complete`, extra: (ctx) => ({ upload_id: ctx.params.upload_id }) },
      async handle({ deps, params, audit }) {
        const version = await repositoryErrors(() => repository(deps).completeUpload(params.upload_id!, kind));
        audit.extra = { upload_id: params.upload_id, name: version.name, version: version.version, sha256: version.sha256 };
        return version;
      },
    }),
    defineRoute({
      id: `delete_${kind}_upload`,
      method: 'DELETE',
      path: `${uploads}/{upload_id}`,
      access: { permissions: can('create') },
      dags: 'none',
      summary: `Abandon a ${kind} upload and remove its chunks (skydag).`,
      audit: { event: `${kind}.upload_abort`, extra: (ctx) => ({ upload_id: ctx.params.upload_id }) },
      async handle({ deps, params }) {
        await repositoryErrors(() => repository(deps).abortUpload(params.upload_id!, kind));
        return noContent();
      },
    }),
    ...(kind === 'model'
      ? [
          defineRoute({
            id: 'get_model_serving_config',
            method: 'GET',
            path: '/api/v1/modelServingConfig',
            access: { permissions: can('read') },
            dags: 'none',
            summary: `TF Serving's models.config for every TensorFlow model version stored (also written beside them in the blob store) (skydag).`,
            async handle({ deps }) {
              return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: await repository(deps).servingConfig() };
            },
          }),
        ]
      : []),
  ];
}

export const repositoryRoutes: readonly Route[] = [...kindRoutes('model'), ...kindRoutes('dataset')];
