/**
 * `skydag dev` (what `npm start` runs): the local platform — REST API, scheduler, engine and the
 * watched DAGs folder — on http://localhost:8080 until Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { carryOnWhenOutputCloses, type CliIO } from './io.js';

export interface DevOptions {
  dagsFolder: string;
  home: string;
  port: number;
  host: string;
}

export function skydagVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function dev(options: DevOptions, io: CliIO): Promise<number> {
  carryOnWhenOutputCloses();
  const paused = process.env.SKYDAG_PAUSED_AT_CREATION;
  const corsOrigins = (process.env.SKYDAG_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  const { startPlatform } = await import('../platform/platform.js');
  const platform = await startPlatform({
    dagsFolder: options.dagsFolder,
    home: options.home,
    port: options.port,
    host: options.host,
    version: skydagVersion(),
    log: (line) => io.out(line),
    ...(process.env.SKYDAG_ADMIN_PASSWORD ? { adminPassword: process.env.SKYDAG_ADMIN_PASSWORD } : {}),
    ...(corsOrigins.length ? { corsOrigins } : {}),
    ...(process.env.SKYDAG_TEST_CONNECTION?.trim().toLowerCase() === 'enabled' ? { testConnection: true } : {}),
    ...(paused !== undefined ? { pausedAtCreation: !['false', '0', 'no'].includes(paused.toLowerCase()) } : {}),
  });
  // Listening for Ctrl-C before saying the platform serves: whoever reads that line may stop it at once.
  const stopAsked = new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  io.out(`skydag: serving on ${platform.url} (API at ${platform.url}/api/v1; state in ${options.home})`);
  if (platform.generatedAdminPassword) {
    io.out(`skydag: created user 'admin' with password: ${platform.generatedAdminPassword}`);
    io.out('skydag: this password is shown once; set SKYDAG_ADMIN_PASSWORD before the first start to choose it');
  }
  await stopAsked;
  io.out('skydag: stopping');
  await platform.close();
  return 0;
}
