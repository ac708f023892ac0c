/** Exhaustiveness check for `switch` statements over closed unions (a new member fails to compile). */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
