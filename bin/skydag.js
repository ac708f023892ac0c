#!/usr/bin/env node
// The skydag CLI runs its TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node < 22 that SDK versions published after January 2027 will need Node 22.
// The versions pinned in package.json support Node 20, so on the machines here the notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../local/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly (a finished command must not wait for timers of work it abandoned on purpose),
// but only once everything written to stdout/stderr has been flushed: pipes are asynchronous.
await new Promise((done) => process.stdout.write('', done));
await new Promise((done) => process.stderr.write('', done));
process.exit(code);
