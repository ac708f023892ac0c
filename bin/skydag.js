#!/usr/bin/env node
// The skydag CLI. It runs the compiled JavaScript in dist/cli (built by `npm install`, see
// scripts/build-cli.mjs), rebuilt first when a source changed since the build; without esbuild (or
// with SKYDAG_FROM_SOURCE=1) it runs the TypeScript sources through tsx.

// The AWS SDK warns on Node < 22 that SDK versions published after January 2027 will need Node 22.
// The versions pinned in package.json support Node 20 (test/sdk-node-support.test.ts holds that), so
// on the machines here the notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function loadMain() {
  if (!process.env.SKYDAG_FROM_SOURCE) {
    const { buildCli, cliBuildFresh, CLI_ENTRY } = await import('../scripts/build-cli.mjs');
    let fresh = cliBuildFresh();
    if (!fresh) {
      try {
        await buildCli();
        fresh = true;
      } catch {
        // no esbuild (production install) or a read-only checkout: run from source
      }
    }
    if (fresh) return (await import(CLI_ENTRY)).main;
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../local/cli/main.ts')).main;
}

const main = await loadMain();
const code = await main(process.argv.slice(2));
// Exit explicitly (a finished command must not wait for timers of work it abandoned on purpose),
// but only once everything written to stdout/stderr has been flushed: pipes are asynchronous.
await new Promise((done) => process.stdout.write('', done));
await new Promise((done) => process.stderr.write('', done));
process.exit(code);
