/** An HTTP client for tests that drive the local platform (`skydag dev`) as a user would. */
import type { Platform } from '../../local/platform/platform.js';

// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface PlatformResponse {
  status: number;
  /** The parsed body (undefined when it is not JSON). */
  json: Json;
  text: string;
}

export async function call(platform: Pick<Platform, 'url'>, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<PlatformResponse> {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
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
