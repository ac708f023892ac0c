/** The console's static files: SPA fallback for page paths, 404 for missing assets, no escape from the folder, API paths left alone. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CONSOLE_CSP, createStaticSite } from './static-site.js';

const event = (rawPath: string, method = 'GET') => ({ rawPath, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;

describe('createStaticSite', () => {
  let root: string;
  let dist: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-site-'));
    dist = join(root, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
    writeFileSync(join(dist, '.build-stamp'), 'hash');
    writeFileSync(join(root, 'secret.txt'), 'outside');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves index.html with a CSP at / and for every page path (deep links, DAG ids with dots)', () => {
    const site = createStaticSite(dist);
    for (const path of ['/', '/dags', '/dags/etl.daily/graph', '/login']) {
      const result = site(event(path))!;
      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('<div id="root">');
      expect(result.headers!['content-security-policy']).toBe(CONSOLE_CSP);
      expect(result.headers!['cache-control']).toBe('no-cache');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
  });

  it('serves build assets with long caching and their content type', () => {
    const site = createStaticSite(dist);
    const js = site(event('/assets/index-abc.js'))!;
    expect(js.statusCode).toBe(200);
    expect(js.headers!['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers!['cache-control']).toContain('immutable');
    expect(site(event('/favicon.svg'))!.headers!['content-type']).toBe('image/svg+xml');
    expect(site(event('/assets/index-abc.js', 'HEAD'))!.body).toBe('');
  });

  it('answers 404 for missing assets, dot-files and paths that try to leave the folder', () => {
    const site = createStaticSite(dist);
    expect(site(event('/assets/gone-123.js'))!.statusCode).toBe(404);
    expect(site(event('/.build-stamp'))!.statusCode).toBe(404);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/a%5c..%5csecret.txt']) {
      const result = site(event(path))!;
      expect(result.body ?? '').not.toContain('outside');
    }
  });

  it('leaves the API and non-GET requests to the API handler', () => {
    const site = createStaticSite(dist);
    expect(site(event('/api/v1/dags'))).toBeUndefined();
    expect(site(event('/api'))).toBeUndefined();
    expect(site(event('/dags', 'POST'))).toBeUndefined();
  });
});
