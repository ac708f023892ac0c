/**
 * Spark configuration (skydag endpoints; Couture's Config Groups, Code Artifacts and Spark
 * Dependencies pages):
 * - config groups (Admin): list, get, create/replace (PUT), delete, make default; Hadoop `*-site.xml`
 *   files uploaded as XML (refused unless they are well-formed Hadoop configuration) and edited per
 *   property; the Kerberos keytab uploaded on its own; the Livy password write-only. Secrets are
 *   stored sealed and never returned: responses say `keytab_set` / `livy_password_set`.
 * - config group archives: export (tar.gz, never with secrets) and import (checked whole first).
 * - artifacts (Op): list, upload (raw body or multipart `file`), delete. Uploads through the API are
 *   limited to what one API Gateway request carries; the CLI takes larger files.
 * Bad input is a 400 that changes nothing.
 */
import { MAX_API_ARTIFACT_BYTES, ArtifactNotFoundError } from '../../spark/artifacts.js';
import { exportConfigGroups, importConfigGroups, MAX_CONFIG_ARCHIVE_BYTES } from '../../spark/archive.js';
import { ConfigGroupNotFoundError, MAX_KEYTAB_BYTES, publicView, type StoredConfigGroup } from '../../spark/config-groups.js';
import { MAX_HADOOP_XML_BYTES, parseHadoopXml, writeHadoopXml } from '../../spark/hadoop-xml.js';
import { checkArtifactKind, checkHadoopFileName, SparkInputError } from '../../spark/names.js';
import type { ApiDeps } from '../deps.js';
import { jsonResponse, noContent } from '../http.js';
import { multipartBoundary, parseMultipart } from '../multipart.js';
import { ApiError, badRequest, notFound } from '../problem.js';
import { defineRoute, type RouteContext } from '../route.js';
import { collectionSchema } from '../response-schemas.js';
import type { JsonSchema } from '../validation.js';

function spark(deps: ApiDeps): NonNullable<ApiDeps['spark']> {
  if (!deps.spark) throw notFound('Not Found', 'Spark configuration is not available on this deployment');
  return deps.spark;
}

/** Spark input errors are 400s, missing groups/artifacts 404s. */
async function sparkErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SparkInputError) throw badRequest(error.message);
    if (error instanceof ConfigGroupNotFoundError || error instanceof ArtifactNotFoundError) throw notFound('Not Found', error.message);
    throw error;
  }
}

async function shown(deps: ApiDeps, group: StoredConfigGroup) {
  return publicView(group, await spark(deps).groups.defaultName());
}

const GROUP_BODY: JsonSchema = {
  type: 'object',
  properties: {
    description: { type: 'string' },
    engine: { type: 'object' },
    arguments: { type: 'object' },
    configurations: { type: 'object' },
    hadoop: { type: 'object' },
    kerberos: { type: 'object' },
    livy_password: { type: ['string', 'null'] },
  },
  required: ['engine'],
  additionalProperties: false,
};

const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

/** A group as publicView shows it: no other field, so a secret can never leave through it. */
const CONFIG_GROUP_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    engine: { type: 'object', properties: { type: { type: 'string', enum: ['local', 'emr', 'emr_serverless', 'livy'] } }, required: ['type'] },
    arguments: stringMap,
    configurations: stringMap,
    hadoop: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' }, description: { type: 'string' }, final: { type: 'boolean' } }, required: ['name', 'value'] },
      },
    },
    kerberos: { type: 'object', properties: { principal: { type: ['string', 'null'] }, keytab_path: { type: ['string', 'null'] } }, required: ['principal', 'keytab_path'] },
    updated_at: { type: 'string', format: 'date-time' },
    is_default: { type: 'boolean' },
    keytab_set: { type: 'boolean' },
    livy_password_set: { type: 'boolean' },
    version: { type: 'string', description: 'content version; a task instance\'s config_group names the version its try used' },
  },
  required: ['name', 'description', 'engine', 'arguments', 'configurations', 'hadoop', 'kerberos', 'updated_at', 'is_default', 'keytab_set', 'livy_password_set', 'version'],
  additionalProperties: false,
};

const ARTIFACT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { kind: { type: 'string', enum: ['code', 'dependency'] }, name: { type: 'string' }, size: { type: 'integer' }, last_modified: { type: 'string', format: 'date-time' } },
  required: ['kind', 'name', 'size', 'last_modified'],
};

const noteGroup = (ctx: RouteContext<unknown, unknown>) => ({ group: ctx.params.group_name });

export const sparkRoutes = [
  defineRoute({
    id: 'get_config_groups',
    method: 'GET',
    path: '/api/v1/configGroups',
    access: { permissions: ['read:config_groups'] },
    dags: 'none',
    summary: 'List Spark/Hadoop config groups (secrets never shown) (skydag).',
    response: { ...collectionSchema('config_groups', CONFIG_GROUP_SCHEMA), properties: { ...collectionSchema('config_groups', CONFIG_GROUP_SCHEMA).properties, default_group: { type: ['string', 'null'] } } },
    async handle({ deps }) {
      const { groups } = spark(deps);
      const fallback = await groups.defaultName();
      const list = (await groups.list()).map((g) => publicView(g, fallback));
      return { config_groups: list, default_group: fallback, total_entries: list.length };
    },
  }),
  defineRoute({
    id: 'get_config_group',
    method: 'GET',
    path: '/api/v1/configGroups/{group_name}',
    access: { permissions: ['read:config_groups'] },
    dags: 'none',
    summary: 'Get a config group (secrets never shown) (skydag).',
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params }) {
      return sparkErrors(async () => shown(deps, await spark(deps).groups.require(params.group_name!)));
    },
  }),
  defineRoute<Record<string, never>, Record<string, unknown> & { livy_password?: string | null }>({
    id: 'put_config_group',
    method: 'PUT',
    path: '/api/v1/configGroups/{group_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Create or replace a config group; livy_password is write-only (null removes it); the keytab is kept (skydag).',
    body: GROUP_BODY,
    audit: { event: 'config_group.put', extra: (ctx) => ({ ...noteGroup(ctx), ...ctx.body, ...(ctx.body && 'livy_password' in ctx.body ? { livy_password: '***' } : {}) }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params, body }) {
      const { livy_password: password, ...group } = body;
      const saved = await sparkErrors(() => spark(deps).groups.put({ ...group, name: params.group_name }, password === undefined ? {} : { livyPassword: password }));
      return shown(deps, saved);
    },
  }),
  defineRoute({
    id: 'delete_config_group',
    method: 'DELETE',
    path: '/api/v1/configGroups/{group_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Delete a config group (not the default) (skydag).',
    audit: { event: 'config_group.delete', extra: noteGroup },
    async handle({ deps, params }) {
      await sparkErrors(() => spark(deps).groups.delete(params.group_name!));
      return noContent();
    },
  }),
  defineRoute({
    id: 'post_config_group_default',
    method: 'POST',
    path: '/api/v1/configGroups/{group_name}/default',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Make a config group the default (skydag).',
    audit: { event: 'config_group.set_default', extra: noteGroup },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params }) {
      await sparkErrors(() => spark(deps).groups.setDefault(params.group_name!));
      return sparkErrors(async () => shown(deps, await spark(deps).groups.require(params.group_name!)));
    },
  }),
  defineRoute({
    id: 'put_config_group_keytab',
    method: 'PUT',
    path: '/api/v1/configGroups/{group_name}/keytab',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Upload the Kerberos keytab (raw body); stored sealed, never returned (skydag).',
    body: 'raw',
    maxBodyBytes: MAX_KEYTAB_BYTES,
    audit: { event: 'config_group.keytab', extra: (ctx) => ({ ...noteGroup(ctx), bytes: ctx.request.body?.length ?? 0 }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params, request }) {
      if (!request.body?.length) throw badRequest('send the keytab as the request body');
      return sparkErrors(async () => shown(deps, await spark(deps).groups.setKeytab(params.group_name!, request.body!)));
    },
  }),
  defineRoute({
    id: 'delete_config_group_keytab',
    method: 'DELETE',
    path: '/api/v1/configGroups/{group_name}/keytab',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Remove the Kerberos keytab (skydag).',
    audit: { event: 'config_group.keytab_delete', extra: noteGroup },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params }) {
      return sparkErrors(async () => shown(deps, await spark(deps).groups.setKeytab(params.group_name!, null)));
    },
  }),
  defineRoute({
    id: 'get_config_group_hadoop_file',
    method: 'GET',
    path: '/api/v1/configGroups/{group_name}/hadoop/{file_name}',
    access: { permissions: ['read:config_groups'] },
    dags: 'none',
    summary: 'A Hadoop *-site.xml file of a config group, as XML (skydag).',
    async handle({ deps, params }) {
      return sparkErrors(async () => {
        const group = await spark(deps).groups.require(params.group_name!);
        const props = group.hadoop[checkHadoopFileName(params.file_name)];
        if (!props) throw new ConfigGroupNotFoundError(`config group '${group.name}' has no ${params.file_name}`);
        return { status: 200, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: writeHadoopXml(props) };
      });
    },
  }),
  defineRoute({
    id: 'put_config_group_hadoop_file',
    method: 'PUT',
    path: '/api/v1/configGroups/{group_name}/hadoop/{file_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Upload (or replace) a Hadoop *-site.xml file; anything but a Hadoop configuration is refused (skydag).',
    body: 'raw',
    maxBodyBytes: MAX_HADOOP_XML_BYTES,
    audit: { event: 'config_group.hadoop_file', extra: (ctx) => ({ ...noteGroup(ctx), file: ctx.params.file_name, bytes: ctx.request.body?.length ?? 0 }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params, request }) {
      return sparkErrors(async () => {
        const file = checkHadoopFileName(params.file_name);
        const properties = parseHadoopXml(request.body ?? Buffer.alloc(0), file);
        return shown(deps, await spark(deps).groups.replaceHadoopFile(params.group_name!, file, properties));
      });
    },
  }),
  defineRoute({
    id: 'delete_config_group_hadoop_file',
    method: 'DELETE',
    path: '/api/v1/configGroups/{group_name}/hadoop/{file_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Remove a Hadoop *-site.xml file from a config group (skydag).',
    audit: { event: 'config_group.hadoop_file_delete', extra: (ctx) => ({ ...noteGroup(ctx), file: ctx.params.file_name }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params }) {
      return sparkErrors(async () => shown(deps, await spark(deps).groups.replaceHadoopFile(params.group_name!, params.file_name!, null)));
    },
  }),
  defineRoute<Record<string, never>, { value: string }>({
    id: 'put_config_group_hadoop_property',
    method: 'PUT',
    path: '/api/v1/configGroups/{group_name}/hadoop/{file_name}/properties/{property_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Set one property of a Hadoop *-site.xml file (skydag).',
    body: { type: 'object', properties: { value: { type: 'string' } }, required: ['value'], additionalProperties: false },
    audit: { event: 'config_group.hadoop_property', extra: (ctx) => ({ ...noteGroup(ctx), file: ctx.params.file_name, property: ctx.params.property_name, value: ctx.body?.value }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params, body }) {
      return sparkErrors(async () => shown(deps, await spark(deps).groups.setHadoopProperty(params.group_name!, params.file_name!, params.property_name!, body.value)));
    },
  }),
  defineRoute({
    id: 'delete_config_group_hadoop_property',
    method: 'DELETE',
    path: '/api/v1/configGroups/{group_name}/hadoop/{file_name}/properties/{property_name}',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Remove one property of a Hadoop *-site.xml file (skydag).',
    audit: { event: 'config_group.hadoop_property_delete', extra: (ctx) => ({ ...noteGroup(ctx), file: ctx.params.file_name, property: ctx.params.property_name }) },
    response: CONFIG_GROUP_SCHEMA,
    async handle({ deps, params }) {
      return sparkErrors(async () => shown(deps, await spark(deps).groups.setHadoopProperty(params.group_name!, params.file_name!, params.property_name!, null)));
    },
  }),
  defineRoute({
    id: 'get_config_groups_archive',
    method: 'GET',
    path: '/api/v1/configGroupsArchive',
    access: { permissions: ['read:config_groups'] },
    dags: 'none',
    summary: 'Export every config group as configs.tar.gz (never with secrets) (skydag).',
    async handle({ deps }) {
      const archive = await exportConfigGroups(spark(deps).groups, { withSecrets: false });
      return { status: 200, headers: { 'content-type': 'application/gzip', 'content-disposition': 'attachment; filename="configs.tar.gz"' }, body: archive };
    },
  }),
  defineRoute({
    id: 'post_config_groups_archive',
    method: 'POST',
    path: '/api/v1/configGroupsArchive',
    access: { permissions: ['edit:config_groups'] },
    dags: 'none',
    summary: 'Import config groups from a tar.gz (raw body); checked whole before anything is written (skydag).',
    body: 'raw',
    maxBodyBytes: MAX_API_ARTIFACT_BYTES,
    audit: { event: 'config_group.import', extra: (ctx) => ({ bytes: ctx.request.body?.length ?? 0 }) },
    response: { type: 'object', properties: { imported: { type: 'array', items: { type: 'string' } } }, required: ['imported'] },
    async handle({ deps, request }) {
      if (!request.body?.length) throw badRequest('send the .tar.gz archive as the request body');
      if (request.body.length > MAX_CONFIG_ARCHIVE_BYTES) throw new ApiError('PayloadTooLarge', 'the archive is too large');
      const names = await sparkErrors(() => importConfigGroups(spark(deps).groups, request.body!));
      return { imported: names };
    },
  }),
  defineRoute<{ kind?: string }, unknown>({
    id: 'get_artifacts',
    method: 'GET',
    path: '/api/v1/artifacts',
    access: { permissions: ['read:artifacts'] },
    dags: 'none',
    summary: 'List code artifacts and Spark dependencies (skydag).',
    query: { type: 'object', properties: { kind: { type: 'string', enum: ['code', 'dependency'] } } },
    response: collectionSchema('artifacts', ARTIFACT_SCHEMA),
    async handle({ deps, query }) {
      const list = await spark(deps).artifacts.list(query.kind === undefined ? undefined : checkArtifactKind(query.kind));
      return { artifacts: list, total_entries: list.length };
    },
  }),
  defineRoute({
    id: 'put_artifact',
    method: 'PUT',
    path: '/api/v1/artifacts/{kind}/{artifact_name}',
    access: { permissions: ['create:artifacts'] },
    dags: 'none',
    summary: 'Upload (or replace) a code artifact or Spark dependency (.jar .py .zip .egg) as the raw body or a multipart `file` (skydag).',
    body: 'raw',
    maxBodyBytes: MAX_API_ARTIFACT_BYTES,
    audit: { event: 'artifact.upload', extra: (ctx) => ({ kind: ctx.params.kind, name: ctx.params.artifact_name, bytes: ctx.request.body?.length ?? 0 }) },
    response: ARTIFACT_SCHEMA,
    async handle({ deps, params, request }) {
      return sparkErrors(async () => {
        const kind = checkArtifactKind(params.kind);
        let data = request.body ?? Buffer.alloc(0);
        const boundary = multipartBoundary(request.headers['content-type']);
        if (boundary) {
          const file = parseMultipart(data, boundary).find((p) => p.name === 'file');
          if (!file) throw badRequest("multipart body has no 'file' part");
          data = file.data;
        }
        return jsonResponse(201, await spark(deps).artifacts.upload(kind, params.artifact_name!, data));
      });
    },
  }),
  defineRoute({
    id: 'delete_artifact',
    method: 'DELETE',
    path: '/api/v1/artifacts/{kind}/{artifact_name}',
    access: { permissions: ['delete:artifacts'] },
    dags: 'none',
    summary: 'Delete a code artifact or Spark dependency (skydag).',
    audit: { event: 'artifact.delete', extra: (ctx) => ({ kind: ctx.params.kind, name: ctx.params.artifact_name }) },
    async handle({ deps, params }) {
      await sparkErrors(() => spark(deps).artifacts.delete(checkArtifactKind(params.kind), params.artifact_name!));
      return noContent();
    },
  }),
];
