/**
 * Side effects a claim owes (log lines, alert emails, callbacks, dataset events), made safe under
 * at-least-once delivery and crashes. The claim (the conditional write that ends a try or a run)
 * records them as JSON in the same record (`effects_due`); whoever then settles them takes each
 * step with a conditional write (the last one clears the record) and only then sends it.
 *
 * So each step is sent by the one delivery whose write took it, and any delivery may settle a record
 * at any time: steps not yet taken have not begun, twins split them without overlap, and a delivery
 * that died after the claim (or between steps) leaves the rest to the next one — its redelivery,
 * the next try's prepare, finalize, or the reconciler. Taking before sending means a step is sent at
 * most once: the sinks (an email, a user's callback) cannot deduplicate, and a callback that kills
 * its process must not be run again forever; only a process dying while sending a step loses that
 * step, and the steps after it are still sent.
 */
import { ConditionFailedError } from '../../stores/metadata.js';

/** The common part of every owed record; each kind adds what its steps need. */
export interface OwedRecord {
  /** In the order they are sent. */
  steps: string[];
  /** Steps taken (sent, or being sent). */
  done?: string[];
}

/** The record's field, read and conditionally replaced by the caller's store access. */
export interface OwedField {
  /** The owed record as read (null: nothing owed). */
  due: string | null | undefined;
  /** Replaces the record with `next` if it still is `expected`; false when another delivery moved it. */
  replace(next: string | null, expected: string): Promise<boolean>;
}

/** An OwedField over a conditional store write (`write` throws ConditionFailedError when the record moved). */
export function owedField(due: string | null | undefined, write: (next: string | null, expected: string) => Promise<unknown>): OwedField {
  return {
    due,
    async replace(next, expected) {
      try {
        await write(next, expected);
        return true;
      } catch (err) {
        if (err instanceof ConditionFailedError) return false;
        throw err;
      }
    },
  };
}

/** `settled`: this delivery sent the rest (or nothing was owed); `taken`: another delivery took a step first. */
export type SettleOutcome = 'none' | 'settled' | 'taken';

/** A new owed record, or null when there is nothing to send (nothing is written). */
export function owedRecord<T extends OwedRecord>(record: T): string | null {
  return record.steps.length === 0 ? null : JSON.stringify(record);
}

export function parseOwed<T extends OwedRecord>(due: string): T {
  return JSON.parse(due) as T;
}

/** Takes and sends the record's steps not yet taken, in order; `send` runs one step (an error in it propagates). */
export async function settleOwed<T extends OwedRecord>(field: OwedField, send: (step: string, owed: T) => Promise<void>): Promise<SettleOutcome> {
  if (!field.due) return 'none';
  let current: string = field.due;
  const owed = parseOwed<T>(current);
  const done = new Set(owed.done ?? []);
  const remaining = owed.steps.filter((step) => !done.has(step));
  if (remaining.length === 0) return (await field.replace(null, current)) ? 'settled' : 'taken';
  while (remaining.length > 0) {
    const step = remaining.shift()!;
    done.add(step);
    const next = remaining.length === 0 ? null : JSON.stringify({ ...owed, done: [...done] });
    if (!(await field.replace(next, current))) return 'taken'; // another delivery took it: it sends the rest
    if (next) current = next;
    await send(step, owed);
  }
  return 'settled';
}
