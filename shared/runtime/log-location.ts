/**
 * Where a try's log lives: Airflow 2's default `log_filename_template`,
 * `dag_id=<dag>/run_id=<run>/task_id=<task>/[map_index=<n>/]attempt=<try>.log`, relative to the logs
 * folder (local mode) or the logs prefix of the bucket (cloud). One function derives it for both, so
 * the writer and the API's reader always agree.
 *
 * The ids are encoded injectively and reversibly, so no two tries share a log and no id can leave its
 * folder: letters, digits and `_ . + : -` stay as they are (ordinary ids, and run ids such as
 * `manual__2024-01-01T00:00:00+00:00`, keep their readable paths); every other character becomes
 * `%XX` per UTF-8 byte (`col~1` → `col%7E1`, `%` → `%25`), a lone surrogate `%uXXXX`, and a leading
 * `.` `%2E` (no `.`/`..`/hidden segments). An encoded id longer than MAX_SEGMENT_BYTES continues in
 * further segments that start with `=` (which never occurs in an encoded id), so a path segment stays
 * within file-name limits.
 */

const KEPT = /^[A-Za-z0-9_.+:-]$/;

/** Bytes of an encoded id per path segment (file names are limited to 255 bytes). */
export const MAX_SEGMENT_BYTES = 200;

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** Encodes one id (see the module comment). */
export function encodeLogId(id: string): string {
  let out = '';
  for (const ch of id) {
    const code = ch.codePointAt(0)!;
    if (KEPT.test(ch) && !(ch === '.' && out === '')) out += ch;
    else if (code >= 0xd800 && code <= 0xdfff) out += `%u${hex(code, 4)}`; // a lone surrogate has no UTF-8 form
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${hex(byte, 2)}`;
  }
  return out;
}

/** The id an encodeLogId result came from. */
export function decodeLogId(encoded: string): string {
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < encoded.length; ) {
    if (encoded.startsWith('%u', i)) {
      flush();
      out += String.fromCharCode(parseInt(encoded.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (encoded[i] === '%') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      flush();
      out += encoded[i];
      i += 1;
    }
  }
  flush();
  return out;
}

/** `<name>=<encoded id>`, split into `=`-led continuation segments when long. */
function idSegments(name: string, id: string): string[] {
  const encoded = encodeLogId(id);
  const segments = [`${name}=${encoded.slice(0, MAX_SEGMENT_BYTES)}`];
  for (let i = MAX_SEGMENT_BYTES; i < encoded.length; i += MAX_SEGMENT_BYTES) segments.push(`=${encoded.slice(i, i + MAX_SEGMENT_BYTES)}`);
  return segments;
}

export interface TaskTryIds {
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  /** -1 (the default) for a task that is not mapped. */
  mapIndex?: number;
}

/** The path segments of a try's log (join them with the platform's separator, or `/` for an S3 key). */
export function taskLogSegments(ids: TaskTryIds): string[] {
  const mapIndex = ids.mapIndex ?? -1;
  return [
    ...idSegments('dag_id', ids.dagId),
    ...idSegments('run_id', ids.runId),
    ...idSegments('task_id', ids.taskId),
    ...(mapIndex >= 0 ? [`map_index=${mapIndex}`] : []),
    `attempt=${ids.tryNumber}.log`,
  ];
}

/** A try's log as a `/`-separated relative key (an S3 key below the logs prefix). */
export function taskLogKey(ids: TaskTryIds): string {
  return taskLogSegments(ids).join('/');
}

/** The ids a taskLogKey came from (undefined for a key of another shape). */
export function parseTaskLogKey(key: string): TaskTryIds | undefined {
  const ids: Record<string, string> = {};
  let current: string | undefined;
  let tryNumber: number | undefined;
  let mapIndex = -1;
  for (const segment of key.split('/')) {
    const attempt = /^attempt=(\d+)\.log$/.exec(segment);
    const map = /^map_index=(\d+)$/.exec(segment);
    const named = /^(dag_id|run_id|task_id)=(.*)$/.exec(segment);
    if (attempt) tryNumber = Number(attempt[1]);
    else if (map) mapIndex = Number(map[1]);
    else if (segment.startsWith('=') && current) ids[current] += segment.slice(1);
    else if (named && ids[named[1]!] === undefined) ids[(current = named[1]!)] = named[2]!;
    else return undefined;
  }
  if (ids.dag_id === undefined || ids.run_id === undefined || ids.task_id === undefined || tryNumber === undefined) return undefined;
  return { dagId: decodeLogId(ids.dag_id), runId: decodeLogId(ids.run_id), taskId: decodeLogId(ids.task_id), tryNumber, mapIndex };
}
