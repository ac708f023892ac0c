/** The repository's resumable upload as the browser does it: open, send each chunk with its SHA-256 (retried twice), complete. */
import { completeRepositoryUpload, putRepositoryChunk, startRepositoryUpload, type RepositoryKind, type RepositoryVersion } from '../api/platform-endpoints';

async function sha256Hex(data: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await data.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function uploadRepositoryFile(
  kind: RepositoryKind,
  fields: { name: string; flavor?: string; description: string },
  file: File,
  progress: (done: number) => void,
): Promise<RepositoryVersion> {
  const session = await startRepositoryUpload(kind, { ...fields, file_name: file.name, size: file.size });
  for (let index = 0; index < session.chunk_count; index++) {
    const chunk = file.slice(index * session.chunk_size, Math.min(file.size, (index + 1) * session.chunk_size));
    const checksum = await sha256Hex(chunk);
    for (let attempt = 1; ; attempt++) {
      try {
        await putRepositoryChunk(kind, session.upload_id, index, chunk, checksum);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    progress((index + 1) / session.chunk_count);
  }
  return completeRepositoryUpload(kind, session.upload_id);
}
