/** Python name scopes: module, function (with closures), comprehension. */
import type { Value } from './values.js';

export class Scope {
  readonly vars = new Map<string, Value>();
  /** Names declared `global` (assignments go to the module scope). */
  globalNames: Set<string> | null = null;
  /** Names declared `nonlocal` (assignments go to the enclosing function scope). */
  nonlocalNames: Set<string> | null = null;
  readonly module: Scope;

  constructor(
    readonly parent: Scope | null,
    readonly kind: 'module' | 'function' | 'comprehension',
  ) {
    this.module = parent ? parent.module : this;
  }

  lookup(name: string): Value | undefined {
    const v = this.vars.get(name);
    if (v !== undefined) return v;
    return this.parent?.lookup(name);
  }

  assign(name: string, value: Value): void {
    this.owner(name).vars.set(name, value);
  }

  delete(name: string): boolean {
    return this.owner(name).vars.delete(name);
  }

  /** The scope an assignment to `name` writes to. */
  private owner(name: string): Scope {
    if (this.globalNames?.has(name)) return this.module;
    if (this.nonlocalNames?.has(name)) {
      for (let s = this.parent; s; s = s.parent) if (s.kind === 'function' && s.vars.has(name)) return s;
    }
    return this;
  }

  /** Every name visible from here (for "did you mean" suggestions). */
  visibleNames(): string[] {
    const names = new Set<string>(this.vars.keys());
    for (let s = this.parent; s; s = s.parent) for (const k of s.vars.keys()) names.add(k);
    return [...names];
  }
}
