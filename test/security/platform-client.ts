/**
 * The local platform (`skydag dev`: embedded DynamoDB-compatible store, engine, REST API over HTTP)
 * in a temporary SKYDAG_HOME, driven as a client would: for the security suites that replay probes
 * against the real thing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform, type PlatformOptions } from '../../local/platform/platform.js';

export const ADMIN_PASSWORD = 'security-suite-Passw0rd';

// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Reply {
  status: number;
  json: Json;
  text: string;
}

/** A DAG file with one bash task (paused at creation, as every new DAG is); `schedule` is Python (`None`, `"@daily"`). */
export const bashDag = (dagId: string, command = 'echo hello', schedule = 'None') =>
  `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n` +
  `with DAG("${dagId}", start_date=datetime(2024, 1, 1), schedule=${schedule}, catchup=False) as dag:\n    BashOperator(task_id="say", bash_command="${command}")\n`;

export class LivePlatform {
  private constructor(
    readonly home: string,
    readonly platform: Platform,
    readonly token: string,
  ) {}

  /** Starts the platform on a fresh home whose DAGs folder holds `files` (name → content). */
  static async start(files: Record<string, string>, options: Partial<PlatformOptions> = {}): Promise<LivePlatform> {
    const home = mkdtempSync(join(tmpdir(), 'skydag-security-'));
    return LivePlatform.open(home, files, options);
  }

  /** Starts the platform on an existing home (a restart); `files` are (re)written first. */
  static async open(home: string, files: Record<string, string> = {}, options: Partial<PlatformOptions> = {}): Promise<LivePlatform> {
    const dags = join(home, 'dags');
    mkdirSync(dags, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dags, name), content);
    const platform = await startPlatform({ dagsFolder: dags, home, port: 0, adminPassword: ADMIN_PASSWORD, version: 'test', tickSeconds: 1, log: () => undefined, ...options });
    const login = await fetch(`${platform.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    return new LivePlatform(home, platform, token);
  }

  /** One HTTP request as the admin; `body` is sent as JSON unless it is a string (sent as is). */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const response = await fetch(`${this.platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  /** The newest audit entries (the store's audit log), parsed `extra` included. */
  async audit(limit = 5): Promise<Json[]> {
    const { items } = await this.platform.store.listAuditLog({ limit });
    return items.map((e) => ({ ...e, extra: e.extra ? JSON.parse(e.extra) : null }));
  }

  async close(options: { keepHome?: boolean } = {}): Promise<void> {
    await this.platform.close();
    if (!options.keepHome) rmSync(this.home, { recursive: true, force: true });
  }
}
