/**
 * Builds DynamoDB expressions. Every attribute name goes through `ExpressionAttributeNames` (records
 * use reserved words: `state`, `key`, `name`, `value`, `when`, `owner`, `schema`, `port`, ...), every
 * value through `ExpressionAttributeValues`, and conditions are assembled from named sub-expressions
 * so a condition reads as the list of rules it enforces.
 */

export class Expressions {
  private readonly names = new Map<string, string>();
  private readonly values = new Map<string, unknown>();

  /** The placeholder of an attribute name (`#a0`), one per distinct name. */
  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#a${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  /** The placeholder of a value (`:v0`). */
  value(value: unknown): string {
    const placeholder = `:v${this.values.size}`;
    this.values.set(placeholder, value);
    return placeholder;
  }

  /** `ExpressionAttributeNames`/`Values` for a command (omitted when empty: DynamoDB rejects empty maps). */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    const out: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } = {};
    if (this.names.size) out.ExpressionAttributeNames = Object.fromEntries([...this.names].map(([attribute, placeholder]) => [placeholder, attribute]));
    if (this.values.size) out.ExpressionAttributeValues = Object.fromEntries(this.values);
    return out;
  }

  // ---- condition and filter fragments

  exists(attribute: string): string {
    return `attribute_exists(${this.name(attribute)})`;
  }

  notExists(attribute: string): string {
    return `attribute_not_exists(${this.name(attribute)})`;
  }

  /** The attribute holds DynamoDB's NULL (a record field that is `null`; an absent attribute is not). */
  isNull(attribute: string): string {
    return `attribute_type(${this.name(attribute)}, ${this.value('NULL')})`;
  }

  equals(attribute: string, value: unknown): string {
    return `${this.name(attribute)} = ${this.value(value)}`;
  }

  lessThan(attribute: string, value: unknown): string {
    return `${this.name(attribute)} < ${this.value(value)}`;
  }

  between(attribute: string, low: unknown, high: unknown): string {
    return `${this.name(attribute)} BETWEEN ${this.value(low)} AND ${this.value(high)}`;
  }

  greaterThan(attribute: string, value: unknown): string {
    return `${this.name(attribute)} > ${this.value(value)}`;
  }

  /** The attribute is one of `values`; `null` among them matches a NULL attribute. */
  oneOf(attribute: string, values: readonly unknown[]): string {
    const nonNull = values.filter((v) => v !== null);
    const parts: string[] = [];
    // IN takes at most 100 operands: chunk larger lists.
    for (let i = 0; i < nonNull.length; i += 100) {
      parts.push(`${this.name(attribute)} IN (${nonNull.slice(i, i + 100).map((v) => this.value(v)).join(', ')})`);
    }
    if (nonNull.length !== values.length) parts.push(this.isNull(attribute));
    // An empty list matches nothing: no item has this attribute.
    return parts.length ? parts.join(' OR ') : `attribute_exists(${this.name('__no_such_attribute__')})`;
  }

  /** For a string, a substring; for a list, an element. */
  contains(attribute: string, value: unknown): string {
    return `contains(${this.name(attribute)}, ${this.value(value)})`;
  }

  beginsWith(attribute: string, prefix: string): string {
    return `begins_with(${this.name(attribute)}, ${this.value(prefix)})`;
  }

  // ---- updates

  /**
   * `SET a = :a, ... REMOVE b, ...` for a record's changes: an `undefined` value removes the
   * attribute (what assigning `undefined` to a record field means), anything else is written as
   * `encode` maps it. Returns undefined when there is nothing to change.
   */
  update(changes: Readonly<Record<string, unknown>>, encode: (field: string, value: unknown) => unknown, extraSet: readonly string[] = []): string | undefined {
    const set = [...extraSet];
    const remove: string[] = [];
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) remove.push(this.name(field));
      else set.push(`${this.name(field)} = ${this.value(encode(field, value))}`);
    }
    const clauses = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean);
    return clauses.length ? clauses.join(' ') : undefined;
  }
}

/**
 * Joins named sub-expressions with AND (`undefined` when there are none); the names document intent.
 * Only compound parts are parenthesized: DynamoDB rejects redundant parentheses such as `((a))`.
 */
export function allOf(conditions: Readonly<Record<string, string | undefined>>): string | undefined {
  const parts = Object.values(conditions).filter((c): c is string => Boolean(c));
  if (parts.length <= 1) return parts[0];
  return parts.map(group).join(' AND ');
}

/** Joins alternatives with OR. */
export function anyOf(conditions: readonly string[]): string | undefined {
  if (conditions.length <= 1) return conditions[0];
  return conditions.map(group).join(' OR ');
}

/** Parenthesizes an expression with a top-level AND/OR (outside any parentheses). */
function group(expression: string): string {
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && (expression.startsWith(' AND ', i) || expression.startsWith(' OR ', i))) return `(${expression})`;
  }
  return expression;
}
