/**
 * Serving the built web console (a single-page app) in local mode, as CloudFront serves it in the
 * cloud: files of the build folder by path; any other page path gets index.html so deep links like
 * /dags/etl/graph?run=… load the app, which routes in the browser; only missing build assets are 404s. Hashed assets are cached for a
 * year, index.html never (a rebuilt console is picked up on reload). Paths that could leave the
 * folder (`..`, encoded separators, dot-files) are refused. HTML carries a Content-Security-Policy
 * that allows only the console's own scripts: even if some text escaped the app's escaping, no
 * injected script would run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The console's Content-Security-Policy; `connect` adds origins its scripts may fetch from (in AWS the data bucket, for presigned report links). */
export function consoleCsp(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets element styles through the CSSOM; CodeMirror and React Flow add <style> rules at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...connect].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONSOLE_CSP = consoleCsp();

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const isText = (type: string) => type.startsWith('text/') || type.startsWith('application/json') || type === 'image/svg+xml';

function notFound(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }, body: 'Not found\n' };
}

export type StaticSite = (event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 | undefined;

/**
 * A handler for the console's paths: returns undefined for requests that are not its business
 * (anything under /api/, or methods other than GET/HEAD), which then go to the API.
 */
export function createStaticSite(dir: string): StaticSite {
  const root = resolve(dir);
  const serveFile = (path: string, method: string): APIGatewayProxyStructuredResultV2 => {
    const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    const data = readFileSync(path);
    const hashed = path.startsWith(join(root, 'assets') + sep);
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    };
    if (type.startsWith('text/html')) headers['content-security-policy'] = CONSOLE_CSP;
    if (method === 'HEAD') return { statusCode: 200, headers: { ...headers, 'content-length': String(data.length) }, body: '' };
    return isText(type) ? { statusCode: 200, headers, body: data.toString('utf8') } : { statusCode: 200, headers, body: data.toString('base64'), isBase64Encoded: true };
  };

  return (event) => {
    const method = event.requestContext.http.method;
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const rawPath = event.rawPath || '/';
    if (rawPath === '/api' || rawPath.startsWith('/api/')) return undefined;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound();
    }
    const segments = path.split('/').filter(Boolean);
    if (segments.some((s) => s.startsWith('.') || s.includes('\\') || s.includes('\0'))) return notFound();
    const file = resolve(root, ...segments);
    if (file !== root && !file.startsWith(root + sep)) return notFound();
    if (segments.length > 0 && existsSync(file) && statSync(file).isFile()) return serveFile(file, method);
    // A missing build asset is a 404; any other path is a page of the app (DAG ids may contain dots).
    if (segments[0] === 'assets') return notFound();
    const index = join(root, 'index.html');
    return existsSync(index) ? serveFile(index, method) : notFound();
  };
}
