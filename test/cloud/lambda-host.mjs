/**
 * A Lambda service stand-in for the cloud-in-a-box test: plain Node (no TypeScript, no jest) loads the
 * esbuild bundles `npm run bundle` writes — the files CDK deploys — and serves Lambda's Invoke API
 * (POST /2015-03-31/functions/<name>/invocations). A handler's error is answered as Lambda does:
 * status 200, `X-Amz-Function-Error: Unhandled`, body {errorType, errorMessage}.
 *
 *   node lambda-host.mjs <bundle dir> <function>...   (prints `listening <port>` when ready)
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [bundleDir, ...names] = process.argv.slice(2);
const handlers = new Map();
for (const name of names) handlers.set(name, (await import(join(bundleDir, `${name}.mjs`))).handler);

const server = createServer((req, res) => {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
  const handler = match && handlers.get(decodeURIComponent(match[1]));
  if (req.method !== 'POST' || !handler) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ Type: 'User', message: 'Function not found' }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const result = await handler(body ? JSON.parse(body) : {}, { functionName: match[1], awsRequestId: `${Date.now()}` });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
    } catch (error) {
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: error?.name ?? 'Error', errorMessage: error?.message ?? String(error) }));
    }
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
