/** Ordered name → value rows as the pairs editor holds them, and their record form. */
export type Pair = [name: string, value: string];

export const pairsOf = (record: Record<string, string>): Pair[] => Object.entries(record);

/** Rows with an empty name are left out (an added row not filled in yet). */
export function recordOf(pairs: Pair[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) if (name.trim() !== '') out[name.trim()] = value;
  return out;
}

/** Names used twice: the later row would silently win, so the page says which. */
export function duplicateNames(pairs: Pair[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const [name] of pairs) {
    const key = name.trim();
    if (key === '') continue;
    if (seen.has(key)) twice.add(key);
    seen.add(key);
  }
  return [...twice];
}
