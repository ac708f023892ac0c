/**
 * A minimal multipart/form-data parser (RFC 7578) for small uploads already held in memory (the HTTP
 * layer caps body sizes): parts with their name, optional filename, content type and bytes.
 */
import { badRequest } from './problem.js';

export interface FormPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function headerParam(header: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const m = re.exec(header);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw badRequest('multipart body has no part with the declared boundary');
  for (;;) {
    pos += delimiter.length;
    // "--" right after a delimiter ends the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw badRequest('malformed multipart body: a part has no header terminator');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw badRequest('malformed multipart body: missing closing boundary');
    const disposition = headers.find((h) => /^content-disposition:/i.test(h));
    const type = headers.find((h) => /^content-type:/i.test(h));
    const name = disposition ? headerParam(disposition, 'name') : undefined;
    if (name !== undefined) {
      parts.push({
        name,
        filename: disposition ? headerParam(disposition, 'filename') : undefined,
        contentType: type?.slice(type.indexOf(':') + 1).trim(),
        data: body.subarray(headerEnd + 4, next),
      });
    }
    pos = next + 2;
  }
  return parts;
}
