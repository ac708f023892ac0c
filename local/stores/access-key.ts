/**
 * The embedded DynamoDB-compatible server listens on a loopback port that every local process can
 * reach, and dynalite accepts any credentials: a task could read or write the metadata store (add an
 * Admin user, rewrite a run) without the API. So the server only answers requests signed with the
 * access key id this platform process generated at start. It is never put in the environment or
 * given to a task; on disk it is only in `$SKYDAG_HOME/dynamodb/endpoint` (0600, inside the 0700
 * state folder), so that the `skydag users` / `skydag db` commands of the platform's own user can
 * reach the running store (a task running as SKYDAG_TASK_USER cannot read it). (The signature itself is not verified: the key id is
 * the secret, and only the two ends of the loopback connection see it.)
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface StoreCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Fresh credentials for one run of the platform. */
export function generateStoreCredentials(): StoreCredentials {
  return { accessKeyId: `SKYDAG${randomBytes(16).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/** The access key id of a SigV4 `Authorization: AWS4-HMAC-SHA256 Credential=<id>/<scope>, ...` header. */
function accessKeyIdOf(request: IncomingMessage): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? '')?.[1];
}

function sameKey(given: string | undefined, expected: Buffer): boolean {
  if (given === undefined) return false;
  const buffer = Buffer.from(given);
  return buffer.length === expected.length && timingSafeEqual(buffer, expected);
}

/** Makes `server` refuse every request not signed with `accessKeyId`, as DynamoDB refuses unknown keys. */
export function requireAccessKey(server: Server, accessKeyId: string): void {
  const expected = Buffer.from(accessKeyId);
  const handlers = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (sameKey(accessKeyIdOf(request), expected)) {
      for (const handler of handlers) handler.call(server, request, response);
      return;
    }
    request.resume();
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ __type: 'com.amazon.coral.service#UnrecognizedClientException', message: 'The security token included in the request is invalid.' }));
  });
}
