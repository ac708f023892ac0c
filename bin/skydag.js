#!/usr/bin/env node
// The skydag CLI runs its TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli/main.ts');
// Exit explicitly: a finished command must not wait for timers of work it abandoned on purpose.
process.exit(await main(process.argv.slice(2)));
