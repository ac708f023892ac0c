/**
 * A node:http server that hosts an API Gateway HTTP API (payload format 2.0) Lambda handler
 * locally: each request becomes a real v2 event (version, routeKey, rawPath, rawQueryString,
 * cookies, lower-cased headers, comma-joined queryStringParameters, requestContext.http, base64 for
 * non-text bodies) and the result is mapped back the way API Gateway does, including its "simple
 * response" inference (a result without statusCode is a 200 JSON body). Bodies above the limit are
 * refused with 413 before the handler runs, as API Gateway/Lambda refuse oversized payloads.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { isTextContentType } from '../../shared/api/http.js';

export type ApiGatewayV2Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2<unknown>>;

export interface AdapterOptions {
  /** Largest accepted request body (default 6 MiB, Lambda's synchronous payload limit). */
  maxBodyBytes?: number;
  stage?: string;
  /** Called when the handler throws (the client gets a 500 problem). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's requestContext.time format: `12/Mar/2020:19:03:58 +0000`. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function buildEvent(req: IncomingMessage, body: Buffer, stage = '$default'): APIGatewayProxyEventV2 {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQueryString = q < 0 ? '' : url.slice(q + 1);
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    // API Gateway joins repeated headers with commas (cookies are split out below).
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader ? cookieHeader.split(/;\s*/).filter(Boolean) : undefined;
  delete headers.cookie;
  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) queryStringParameters[k] = queryStringParameters[k] === undefined ? v : `${queryStringParameters[k]},${v}`;
  }
  let decodedPath: string;
  try {
    decodedPath = decodeURI(rawPath);
  } catch {
    decodedPath = rawPath;
  }
  const now = new Date();
  const method = (req.method ?? 'GET').toUpperCase();
  const text = isTextContentType(headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!.split(':')[0]!,
      http: {
        method,
        path: decodedPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage,
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (body.length > 0) {
    event.body = text ? body.toString('utf8') : body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

/** Writes a v2 result the way API Gateway maps it to HTTP. */
export function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2<unknown>): void {
  // Simple response: a string is the body; an object without statusCode is serialised as JSON.
  if (typeof result === 'string' || result === null || result === undefined || typeof result !== 'object' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const structured = result as { statusCode?: number; headers?: Record<string, string | number | boolean>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
  const body = structured.body === undefined ? Buffer.alloc(0) : Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  headers['content-length'] = String(body.length);
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(body);
}

function tooLarge(res: ServerResponse, limit: number): void {
  const body = JSON.stringify({
    type: 'https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/PayloadTooLarge',
    title: 'Payload Too Large',
    status: 413,
    detail: `request body exceeds ${limit} bytes`,
    instance: '',
  });
  res.writeHead(413, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

export function createApiGatewayServer(handler: ApiGatewayV2Handler, options: AdapterOptions = {}): Server {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return createServer((req, res) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      tooLarge(res, limit);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        tooLarge(res, limit);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const event = buildEvent(req, Buffer.concat(chunks), options.stage);
      handler(event).then(
        (result) => writeResult(res, result),
        (error: unknown) => {
          options.onError?.(error);
          writeResult(res, {
            statusCode: 500,
            headers: { 'content-type': 'application/problem+json' },
            body: JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'the handler failed', instance: event.rawPath }),
          });
        },
      );
    });
  });
}
