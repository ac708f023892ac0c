#!/usr/bin/env node
// The skydag CLI runs its TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly (a finished command must not wait for timers of work it abandoned on purpose),
// but only once everything written to stdout/stderr has been flushed: pipes are asynchronous.
await new Promise((done) => process.stdout.write('', done));
await new Promise((done) => process.stderr.write('', done));
process.exit(code);
