/**
 * `npm install` runs this (the `prepare` script): builds the web console into web/dist unless it is
 * already built from the current sources. `skydag dev` does the same check on start, so editing
 * web/ never needs a separate build command.
 */
import { ensureConsoleBuilt } from '../local/platform/console-build.js';

const result = await ensureConsoleBuilt((line) => console.log(line));
if (!result.dir) {
  console.error(`skydag: the web console was not built: ${result.error ?? 'unknown error'}`);
  process.exit(1);
}
if (!result.built) console.log('skydag: web console is up to date');
