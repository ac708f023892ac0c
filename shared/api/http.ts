/**
 * The API's transport-neutral request/response model, derived from API Gateway HTTP API (payload
 * format 2.0) events. Lambda (through functions/api.ts) and local mode (through the node:http adapter
 * in local/http/apigw-adapter.ts, which builds the very same events) both end up here, so one
 * router serves both.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface ApiRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The path as sent (percent-encoded), without the query string. */
  rawPath: string;
  /** Every value of every query parameter, in order (repeated parameters keep all their values). */
  query: Readonly<Record<string, readonly string[]>>;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string>>;
  cookies: readonly string[];
  /** Raw body bytes (undefined when the request had none). */
  body: Buffer | undefined;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** Strings are sent as UTF-8 text; Buffers as binary (base64 through API Gateway). */
  body?: string | Buffer;
  /** Set-Cookie values. */
  cookies?: string[];
}

/** Parses a raw query string into multi-valued parameters (exact, unlike API Gateway's comma-joined map). */
export function parseQueryString(raw: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) (query[key] ??= []).push(value);
  return query;
}

export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  let query: Record<string, string[]>;
  if (event.rawQueryString !== undefined && event.rawQueryString !== '') query = parseQueryString(event.rawQueryString);
  else {
    // Without rawQueryString only API Gateway's comma-joined map is left; a comma inside a value is ambiguous there.
    query = {};
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query[name] = value.split(',');
  }
  const body = event.body === undefined || event.body === null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    rawPath: event.rawPath || event.requestContext?.http?.path || '/',
    query,
    headers,
    cookies: event.cookies ?? [],
    body,
    sourceIp: event.requestContext?.http?.sourceIp ?? null,
    userAgent: event.requestContext?.http?.userAgent ?? null,
    requestId: event.requestContext?.requestId ?? '',
  };
}

/** Content types API Gateway and the local adapter pass as text; anything else travels base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/yaml' ||
    type === 'application/x-yaml'
  );
}

export function toApiGatewayResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  const result: APIGatewayProxyStructuredResultV2 = { statusCode: response.status, headers: { ...response.headers } };
  if (response.body !== undefined) {
    if (typeof response.body === 'string') {
      result.body = response.body;
      result.isBase64Encoded = false;
    } else {
      result.body = response.body.toString('base64');
      result.isBase64Encoded = true;
    }
  }
  if (response.cookies?.length) result.cookies = [...response.cookies];
  return result;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export function textResponse(status: number, text: string, contentType = 'text/plain; charset=utf-8'): ApiResponse {
  return { status, headers: { 'content-type': contentType }, body: text };
}

export function noContent(): ApiResponse {
  return { status: 204, headers: {} };
}

/** An API Gateway v2 Lambda handler over any `handle(request)` (what functions/api.ts wraps with middy). */
export function apiGatewayHandler(api: { handle(request: ApiRequest): Promise<ApiResponse> }) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => toApiGatewayResult(await api.handle(toApiRequest(event)));
}
