/**
 * The Airflow Variables a DAG file reads while it is read (FrontendOptions.variables): files commonly
 * write `ENV = Variable.get("env", default_var="dev")` at the top, which Airflow's DAG processor
 * answers from the metadata database. Each key a source names in `Variable.get("key"` is looked up
 * where the file's tasks read variables (the caller's lookup: environment AIRFLOW_VAR_<KEY> and/or the
 * store); the reader itself never touches the store. A changed value changes the model where the file
 * uses it, hence makes a new DAG version (Airflow re-serializes the DAG the same way).
 */

/** Reads one variable as the platform's tasks would (undefined: not set). */
export type VariableLookup = (key: string) => Promise<string | undefined>;

/** `Variable.get("key"` / `Variable.get(key='key'` with a literal key (Airflow's keys are at most 250 characters). */
const VARIABLE_GET_CALL = /\bVariable\.get\(\s*(?:key\s*=\s*)?(["'])([^"'\\\r\n]{1,250})\1/g;
/** `Variable.get(KEY_NAME, ...)`: the key is a name... */
const VARIABLE_GET_NAME = /\bVariable\.get\(\s*(?:key\s*=\s*)?([A-Za-z_]\w*)\s*[,)]/g;
/** ...which a source assigns a literal: `KEY_NAME = "key"` (or `KEY_NAME: str = "key"`) at the start of a line. */
const NAME_ASSIGNMENT = (name: string) => new RegExp(`^[ \\t]*${name}[ \\t]*(?::[^=\\n]*)?=[ \\t]*(["'])([^"'\\\\\\r\\n]{1,250})\\1[ \\t]*(?:#.*)?$`, 'gm');
/** At most this many keys per file are looked up (each is a store read). */
const MAX_KEYS = 50;

/** The keys the sources read with a literal `Variable.get("key"`, sorted. */
export function variableKeysRead(sources: readonly { source: string }[]): string[] {
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const { source } of sources) {
    if (!source.includes('Variable.get(')) continue;
    for (const m of source.matchAll(VARIABLE_GET_CALL)) if (keys.size < MAX_KEYS) keys.add(m[2]!);
    for (const m of source.matchAll(VARIABLE_GET_NAME)) names.add(m[1]!);
  }
  // A key held in a constant (`ENV_KEY = "env"` ... `Variable.get(ENV_KEY)`): each literal it is assigned.
  for (const name of names) {
    for (const { source } of sources) for (const m of source.matchAll(NAME_ASSIGNMENT(name))) if (keys.size < MAX_KEYS) keys.add(m[2]!);
  }
  return [...keys].sort();
}

/** Each key the sources read, with its value or null when it is not set; {} when they read none. */
export async function parseTimeVariables(sources: readonly { source: string }[], lookup: VariableLookup): Promise<Record<string, string | null>> {
  const keys = variableKeysRead(sources);
  const values = await Promise.all(keys.map(async (key) => (await lookup(key)) ?? null));
  return Object.fromEntries(keys.map((key, i) => [key, values[i]!]));
}
