/**
 * The models and datasets repository of a local platform: files under `$SKYDAG_HOME/blobs/repository/`,
 * records in the platform's metadata store; tasks are handed local paths.
 */
import { join } from 'node:path';
import { Repository, type RepositoryRecords } from '../../shared/repository/repository.js';
import { FsBlobStore } from './fs-blob-store.js';

export function openLocalRepository(home: string, records: RepositoryRecords, blobs = new FsBlobStore(join(home, 'blobs'))): Repository {
  return new Repository({ records, blobs, locate: (key) => blobs.pathOf(key) });
}
