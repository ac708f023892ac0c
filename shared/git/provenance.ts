/**
 * Git provenance of DAG files in the cloud. Locally the pull syncs its files itself and records the
 * commit with each version; in the cloud the pull only writes the DAGs bucket and the deployer (S3
 * events) records the versions. So before writing a file the pull records where that exact content
 * came from, under a key derived from the file's path and bytes; the deployer looks the file it
 * syncs up by the same key. Content-addressed, the record cannot name the wrong commit whatever
 * order the events arrive in: a file changed since (uploaded by hand, or a later pull) has another key.
 */
import { createHash } from 'node:crypto';
import type { BlobStore } from '../stores/blob.js';
import type { GitProvenance } from './pull.js';

const PREFIX = 'git/provenance/';

/** The record's key: the SHA-256 of the path (relative to the DAGs prefix) and the file's bytes. */
export function provenanceKey(path: string, content: Buffer): string {
  return `${PREFIX}${createHash('sha256').update(path).update('\0').update(content).digest('hex')}.json`;
}

export class GitProvenanceRecords {
  constructor(private readonly blobs: Pick<BlobStore, 'put' | 'get'>) {}

  async record(path: string, content: Buffer, provenance: GitProvenance): Promise<void> {
    await this.blobs.put(provenanceKey(path, content), JSON.stringify(provenance), { contentType: 'application/json' });
  }

  /** Where this content of this file came from, if a pull wrote it. */
  async find(path: string, content: Buffer): Promise<GitProvenance | undefined> {
    const body = await this.blobs.get(provenanceKey(path, content));
    if (!body) return undefined;
    const p = JSON.parse(body.toString('utf8')) as Partial<GitProvenance>;
    if (typeof p.repository !== 'string' || typeof p.branch !== 'string' || typeof p.commit !== 'string' || typeof p.user !== 'string') return undefined;
    return { repository: p.repository, branch: p.branch, commit: p.commit, user: p.user };
  }
}
