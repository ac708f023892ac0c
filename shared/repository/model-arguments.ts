/**
 * The `models=` operator argument (skydag; Couture's operators took model paths as plain strings):
 *
 *   CoutureSparkOperator(..., models={"churn": 3, "tokenizer": None})
 *
 * names stored models by name and version (None: the latest). At run time each becomes the stored
 * version's record — `{name, version, flavor, uri, file_uri, file_name, sha256}`, as
 * `{{ models.get("churn", version=3) }}` reads — and reaches the program: in the Couture JSON
 * argument (`"models": {...}`) or as the notebook parameter `models`. A version that does not exist
 * fails the try before it runs, as the template does.
 */
import type { PyValue } from '../model/schema.js';
import type { RepositoryItemInfo, RepositoryLookup } from '../runtime/templates/repository.js';

export class ModelArgumentError extends Error {}

/** One stored model version as the program receives it. */
export type ModelArgument = Pick<RepositoryItemInfo, 'name' | 'version' | 'flavor' | 'uri' | 'file_uri' | 'file_name' | 'sha256'>;

/** Found, absent (null), or not fetched yet (undefined: the caller fetches it and asks again). */
export type ModelLookup = (lookup: RepositoryLookup) => RepositoryItemInfo | null | undefined;

/** The model lookups a `models=` value asks for; a malformed value is a {@link ModelArgumentError}. */
export function modelLookups(value: PyValue | undefined): RepositoryLookup[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value) || '$type' in value) {
    throw new ModelArgumentError('models must be a dict of model name to version (an int, or None for the latest)');
  }
  return Object.entries(value as Record<string, PyValue>).map(([name, version]) => {
    if (version !== null && !(typeof version === 'number' && Number.isInteger(version) && version > 0)) {
      throw new ModelArgumentError(`models["${name}"] must be a positive int version or None (the latest), not ${JSON.stringify(version)}`);
    }
    return { kind: 'model', name, version };
  });
}

/**
 * The resolved `models=` value, or `undefined` while some version is not fetched yet. A version
 * that does not exist is a {@link ModelArgumentError} naming it.
 */
export function resolveModelArguments(value: PyValue | undefined, lookup: ModelLookup): Record<string, ModelArgument> | undefined {
  const out: Record<string, ModelArgument> = {};
  let pending = false;
  for (const request of modelLookups(value)) {
    const found = lookup(request);
    if (found === undefined) {
      pending = true;
      continue;
    }
    if (found === null) throw new ModelArgumentError(`models: model ${request.name}${request.version === null ? '' : ` version ${request.version}`} does not exist`);
    const { name, version, flavor, uri, file_uri, file_name, sha256 } = found;
    out[request.name] = { name, version, flavor, uri, file_uri, file_name, sha256 };
  }
  return pending ? undefined : out;
}
