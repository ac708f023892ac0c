/**
 * Config groups and artifacts of a local platform: JSON documents and files in the blob store under
 * `$SKYDAG_HOME/blobs` (the same blob store the embedded metadata store uses for large values),
 * sealed with the platform's key. The runtime, the API and the CLI all open them through here.
 */
import { join } from 'node:path';
import type { SecretCipher } from '../../shared/api/secrets/cipher.js';
import { ArtifactStore } from '../../shared/spark/artifacts.js';
import { ConfigGroupStore } from '../../shared/spark/config-groups.js';
import { loadLocalSecrets } from '../http/secret-key.js';
import { FsBlobStore } from './fs-blob-store.js';

export interface LocalSparkStores {
  blobs: FsBlobStore;
  groups: ConfigGroupStore;
  artifacts: ArtifactStore;
  /** Local paths of blobs (what a local spark-submit reads). */
  locate: (key: string) => string;
}

/** A cipher that reads (or creates) `$SKYDAG_HOME/secret.key` on first use only. */
function lazyLocalCipher(home: string): SecretCipher {
  let cipher: SecretCipher | undefined;
  const get = () => (cipher ??= loadLocalSecrets(home).cipher);
  return {
    encrypt: (plaintext, context) => get().encrypt(plaintext, context),
    decrypt: (ciphertext, context) => get().decrypt(ciphertext, context),
    isEncrypted: (value) => get().isEncrypted(value),
  };
}

export function openLocalSparkStores(home: string, cipher?: SecretCipher): LocalSparkStores {
  const blobs = new FsBlobStore(join(home, 'blobs'));
  return {
    blobs,
    groups: new ConfigGroupStore(blobs, cipher ?? lazyLocalCipher(home)),
    artifacts: new ArtifactStore(blobs),
    locate: (key) => blobs.pathOf(key),
  };
}
