/**
 * `models` and `datasets` in templates (skydag; the repository of shared/repository/):
 *
 *   {{ models.get("churn", version=3).uri }}      a TensorFlow model's SavedModel folder, else its file
 *   {{ models.get("churn").uri }}                 the latest version
 *   {{ datasets.get("customers").file_uri }}
 *
 * A version that does not exist fails the render (KeyError), as an unknown Variable does: a task
 * must not run against a model it did not ask for.
 */
import { method } from './py/calendar.js';
import { MISSING, PyError, PyObject, PyRecord } from './py/object.js';

export interface RepositoryLookup {
  kind: 'model' | 'dataset';
  name: string;
  /** null: the latest version. */
  version: number | null;
}

/** What a template sees of one stored version. */
export interface RepositoryItemInfo {
  name: string;
  version: number;
  flavor: string | null;
  uri: string;
  file_uri: string;
  file_name: string;
  size: number;
  sha256: string;
  description: string;
}

export type RepositoryAccessorFn = (request: RepositoryLookup) => RepositoryItemInfo | null | undefined;

export class RepositoryAccessor extends PyObject {
  readonly pyTypeName = 'RepositoryAccessor';

  constructor(
    private readonly kind: 'model' | 'dataset',
    private readonly lookup: RepositoryAccessorFn | undefined,
  ) {
    super();
  }

  override getattr(name: string): unknown {
    if (name !== 'get') return MISSING;
    return method('get', [['name'], ['version', null]], (a) => {
      const itemName = String(a.name);
      const version = a.version === null ? null : Number(a.version);
      if (version !== null && !(Number.isInteger(version) && version > 0)) throw new PyError('ValueError', `version must be a positive integer, not ${String(a.version)}`);
      const found = this.lookup?.({ kind: this.kind, name: itemName, version });
      if (!found) throw new PyError('KeyError', `'${this.kind} ${itemName}${version === null ? '' : ` version ${version}`} does not exist'`);
      return new PyRecord(this.kind === 'model' ? 'Model' : 'Dataset', { ...found }, `<${this.kind === 'model' ? 'Model' : 'Dataset'} ${found.name} v${found.version}>`, found.uri);
    });
  }

  repr(): string {
    return `<${this.kind === 'model' ? 'Models' : 'Datasets'}Accessor>`;
  }
}
