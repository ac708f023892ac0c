/**
 * The API's side of on-demand git pulls in the cloud: the pull runs in the git-pull function (the
 * runner image has the system git; the API's Node runtime does not), invoked synchronously; its
 * refusals come back as the errors the git routes answer 400/404 with, as locally.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GitFetchError } from '../shared/git/fetch.js';
import { GitConfigError, GitConfigNotFoundError, type GitPullRecord } from '../shared/git/repositories.js';

/** What the git-pull function is asked, and answers, for one pull. */
export interface GitPullRequest {
  user: string;
  trigger: string;
}
export type GitPullAnswer = { ok: true; pull: GitPullRecord } | { ok: false; error: { name: string; message: string } };

/** Refusals the routes know, by name; anything else stays a failure (500). */
const REFUSALS: Record<string, new (message: string) => Error> = {
  GitFetchError,
  GitConfigError,
  GitConfigNotFoundError,
};

export function refusalAnswer(error: unknown): GitPullAnswer | undefined {
  const name = (error as Error | undefined)?.name;
  return name !== undefined && name in REFUSALS && error instanceof REFUSALS[name]! ? { ok: false, error: { name, message: (error as Error).message } } : undefined;
}

export function lambdaGitPuller(client: Pick<LambdaClient, 'send'>, functionArn: string): (user: string, trigger: string) => Promise<GitPullRecord> {
  return async (user, trigger) => {
    const request: GitPullRequest = { user, trigger };
    const out = await client.send(new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(request)) }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) throw new Error(`the git-pull function failed (${out.FunctionError}): ${text.slice(0, 500)}`);
    const answer = JSON.parse(text) as GitPullAnswer;
    if (answer.ok) return answer.pull;
    const Refusal = REFUSALS[answer.error.name];
    throw Refusal ? new Refusal(answer.error.message) : new Error(answer.error.message);
  };
}
