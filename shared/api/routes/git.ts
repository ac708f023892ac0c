/**
 * Git configuration of the signed-in user (skydag endpoints; Couture's "Git Configuration" page):
 * GET/PUT/DELETE `/gitConfig` (the token is write-only: `token_set`; null removes it), and
 * POST `/gitConfig/pull` pulls the branch into `git/<user>/` of the DAGs folder or bucket now. Pulled
 * files are code the platform runs, so every route needs the DAG-file upload permission (Op). Bad
 * settings and refused repositories (symlinks, escaping paths, missing branch) are 400s that change
 * nothing; the audit record never holds the token.
 */
import { GitFetchError } from '../../git/fetch.js';
import { GitConfigError, GitConfigNotFoundError, publicGitView, type GitConfigInput } from '../../git/repositories.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import type { JsonSchema } from '../validation.js';

function git(deps: ApiDeps): NonNullable<ApiDeps['git']> {
  if (!deps.git) throw notFound('Not Found', 'git configuration is not available on this deployment');
  return deps.git;
}

async function gitErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GitConfigError) throw badRequest(error.message);
    if (error instanceof GitFetchError) throw badRequest(`git pull failed: ${error.message}`);
    if (error instanceof GitConfigNotFoundError) throw notFound('Not Found', `${error.message}: link one with PUT /api/v1/gitConfig`);
    throw error;
  }
}

const PULL_RECORD: JsonSchema = {
  type: 'object',
  properties: {
    commit: { type: 'string' },
    at: { type: 'string' },
    trigger: { type: 'string' },
    written: { type: 'array', items: { type: 'string' } },
    removed: { type: 'array', items: { type: 'string' } },
    unchanged: { type: 'integer' },
    dag_versions: { type: 'array', items: { type: 'object', properties: { dag_id: { type: 'string' }, version: { type: 'string' }, fileloc: { type: 'string' } } } },
    import_errors: { type: 'array', items: { type: 'string' } },
  },
  required: ['commit', 'at', 'written', 'removed', 'dag_versions'],
};

const CONFIG_RESPONSE: JsonSchema = {
  type: 'object',
  properties: {
    user: { type: 'string' },
    url: { type: 'string' },
    branch: { type: 'string' },
    path: { type: 'string' },
    username: { type: 'string' },
    pull_interval_minutes: { type: ['integer', 'null'] },
    token_set: { type: 'boolean' },
    updated_at: { type: 'string' },
    pulls: { type: 'array', items: PULL_RECORD },
  },
  required: ['user', 'url', 'branch', 'path', 'token_set', 'pulls'],
};

type PutBody = GitConfigInput & { token?: string | null };

export const gitRoutes = [
  defineRoute({
    id: 'get_git_config',
    method: 'GET',
    path: '/api/v1/gitConfig',
    access: { permissions: ['create:dag_files'] },
    dags: 'none',
    summary: "The signed-in user's linked git repository and its last pulls; the token is never shown (skydag).",
    response: CONFIG_RESPONSE,
    async handle({ deps, principal }) {
      return gitErrors(async () => publicGitView(await git(deps).configs.require(principal!.username)));
    },
  }),
  defineRoute<Record<string, never>, PutBody>({
    id: 'put_git_config',
    method: 'PUT',
    path: '/api/v1/gitConfig',
    access: { permissions: ['create:dag_files'] },
    dags: 'none',
    summary: "Link (or re-link) the signed-in user's git repository: url, branch, folder, token (write-only; null removes it), pull interval (skydag).",
    body: {
      type: 'object',
      properties: {
        url: { type: 'string', maxLength: 2048 },
        branch: { type: 'string', maxLength: 200 },
        path: { type: 'string', maxLength: 1024 },
        username: { type: 'string', maxLength: 256 },
        token: { type: ['string', 'null'], maxLength: 4096 },
        pull_interval_minutes: { type: ['integer', 'null'] },
      },
      required: ['url', 'branch'],
      additionalProperties: false,
    },
    response: CONFIG_RESPONSE,
    audit: { event: 'git_config.put', extra: ({ body }) => ({ ...body, ...(body && 'token' in body ? { token: '***' } : {}) }) },
    async handle({ deps, principal, body }) {
      const { token, ...input } = body;
      return gitErrors(async () => publicGitView(await git(deps).configs.put(principal!.username, input, token)));
    },
  }),
  defineRoute({
    id: 'delete_git_config',
    method: 'DELETE',
    path: '/api/v1/gitConfig',
    access: { permissions: ['create:dag_files'] },
    dags: 'none',
    summary: "Unlink the signed-in user's git repository (files already pulled stay) (skydag).",
    audit: { event: 'git_config.delete' },
    async handle({ deps, principal }) {
      if (!(await git(deps).configs.delete(principal!.username))) throw notFound('Not Found', `user '${principal!.username}' has linked no git repository`);
      return noContent();
    },
  }),
  defineRoute({
    id: 'post_git_pull',
    method: 'POST',
    path: '/api/v1/gitConfig/pull',
    access: { permissions: ['create:dag_files'] },
    dags: 'none',
    summary: "Pull the signed-in user's branch into git/<user>/ of the DAGs folder now: files written and removed, DAG versions with the commit (skydag).",
    response: PULL_RECORD,
    audit: { event: 'git.pull' },
    async handle(ctx) {
      const pull = await gitErrors(() => git(ctx.deps).pull(ctx.principal!.username, 'api'));
      ctx.audit.extra = { commit: pull.commit, written: pull.written.length, removed: pull.removed.length };
      return pull;
    },
  }),
];
