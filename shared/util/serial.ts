/**
 * One at a time: each job starts when the one before it has settled (whatever its outcome). For
 * work that reads then writes shared state without a transaction — e.g. syncing the DAGs folder into
 * the store, where a full rescan and a one-file sync running together could undo each other.
 */
export type Serial = <T>(job: () => Promise<T>) => Promise<T>;

export function serial(): Serial {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>): Promise<T> => {
    const next = last.then(job, job);
    last = next.catch(() => undefined);
    return next;
  };
}
