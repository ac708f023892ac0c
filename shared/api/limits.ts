/**
 * The API's input limits, in one place (docs/security.md "Input limits" lists them). They are checked
 * in the shared API layer, so Lambda and local mode refuse the same requests, before anything is
 * written: a body over its route's limit is 413; JSON nested too deeply, or holding a number that
 * cannot be kept exactly, is 400; a value over the size its store item can hold is 413 naming the
 * field and the limit. Every refusal of a mutating request is audited, without the body.
 */
import { badRequest } from './problem.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The largest JSON request body a route takes unless it says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1 * MiB;

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * Sizes of stored values. Each record is one DynamoDB item (400 KB at most, key and attribute names
 * included; variable values, connection passwords and extras are stored encrypted, base64: 4/3 of
 * their size), and these limits keep the largest record of each kind under it.
 */
export const STORED_VALUE_LIMITS = {
  /** A DAG run's conf (the run item; conf is not offloaded to the blob store). */
  conf: 256 * KiB,
  /** A variable's value (encrypted). */
  variableValue: 256 * KiB,
  /** A connection's extra (encrypted). */
  connectionExtra: 128 * KiB,
  /** A connection's password (encrypted). */
  connectionPassword: 8 * KiB,
  /** Descriptions, hosts, logins and other free-text fields of variables, connections and pools. */
  text: 16 * KiB,
} as const;

/** Why stored values are limited, for the 413 detail. */
export const STORED_VALUE_REASON = "each record is one item in the metadata store, and DynamoDB's item limit is 400 KB";

/** `262,144 bytes (256 KiB)`. */
export function describeBytes(bytes: number): string {
  const unit = bytes % MiB === 0 ? `${bytes / MiB} MiB` : bytes % KiB === 0 ? `${bytes / KiB} KiB` : undefined;
  return `${bytes.toLocaleString('en-US')} bytes${unit ? ` (${unit})` : ''}`;
}

/** A JSON number literal (the sticky flag matches at lastIndex only). */
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Checks JSON text before it is parsed, in one pass that skips strings: nesting deeper than
 * `maxDepth`, numbers too large for a double (JSON.parse would make them Infinity, stored as null),
 * and integers beyond ±(2^53 − 1) (JSON.parse would round them). Refusals name the character
 * position, never the value (a body may hold secrets). Syntax errors are left to JSON.parse.
 */
export function checkJsonText(text: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote (a backslash escapes the next character).
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw badRequest(`request body nests arrays/objects deeper than ${maxDepth} levels (at character ${i})`);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) continue;
      const value = Number(match[0]);
      if (!Number.isFinite(value)) throw badRequest(`request body has a number at character ${i} that is too large to represent`);
      if (match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(value)) {
        throw badRequest(
          `request body has an integer at character ${i} outside ±${Number.MAX_SAFE_INTEGER} that would not be kept exactly; send it as a string`,
        );
      }
      i += match[0].length - 1;
    }
  }
}
