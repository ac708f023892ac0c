/**
 * Python's `ast.literal_eval` for the strings a native-rendered template produces, as Jinja's
 * `NativeEnvironment` applies it (`native_concat`): numbers, strings, bytes, `True`/`False`/`None`,
 * lists, tuples, sets, dicts and `set()`, with single signs on numbers. Anything else is not a literal.
 *
 * Results use JS values: tuples and sets become arrays, dict keys become strings.
 */

/** Thrown internally when the text is not a Python literal. */
class NotALiteral extends Error {}

export type LiteralResult = { ok: true; value: unknown } | { ok: false };

/** Evaluates `text` as a Python literal expression (the whole text, like `parse(text, mode="eval")`). */
export function literalEval(text: string): LiteralResult {
  // parse(mode="eval") rejects a leading indent; a trailing newline or comment is fine.
  if (/^[ \t]/.test(text)) return { ok: false };
  try {
    const p = new Parser(text);
    const value = p.parseTop();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotALiteral) return { ok: false };
    throw err;
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  parseTop(): unknown {
    this.skip();
    const first = this.parseValue();
    this.skip();
    if (this.peek() === ',') {
      // A bare tuple: `1, 2`.
      const items = [first];
      while (this.peek() === ',') {
        this.i++;
        this.skip();
        if (this.atEnd()) break;
        items.push(this.parseValue());
        this.skip();
      }
      if (!this.atEnd()) throw new NotALiteral();
      return items;
    }
    if (!this.atEnd()) throw new NotALiteral();
    return first;
  }

  private atEnd(): boolean {
    return this.i >= this.s.length;
  }

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  /** Skips spaces, comments, and newlines (newlines only inside brackets or at the end). */
  private skip(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') while (!this.atEnd() && this.peek() !== '\n') this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else if (c === '\n' || c === '\r') {
        if (this.depth === 0 && /\S/.test(this.s.slice(this.i).replace(/#[^\n]*/g, ''))) throw new NotALiteral();
        this.i++;
      } else return;
    }
  }

  private expect(ch: string): void {
    this.skip();
    if (this.peek() !== ch) throw new NotALiteral();
    this.i++;
  }

  private parseValue(): unknown {
    this.skip();
    const c = this.peek();
    if (c === '[') return this.parseSeq('[', ']').items;
    if (c === '(') {
      const r = this.parseSeq('(', ')');
      return r.items.length === 1 && !r.trailingComma ? r.items[0] : r.items;
    }
    if (c === '{') return this.parseBrace();
    if (c === '-' || c === '+') {
      this.i++;
      this.skip();
      const n = this.parseNumber();
      if (n === undefined) throw new NotALiteral();
      return c === '-' ? -n : n;
    }
    const n = this.parseNumber();
    if (n !== undefined) return n;
    const str = this.parseStrings();
    if (str !== undefined) return str;
    const word = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i))?.[0];
    if (word === 'True' || word === 'False' || word === 'None') {
      this.i += word.length;
      return word === 'True' ? true : word === 'False' ? false : null;
    }
    if (word === 'set') {
      this.i += 3;
      this.expect('(');
      this.expect(')');
      return [];
    }
    throw new NotALiteral();
  }

  private parseSeq(open: string, close: string): { items: unknown[]; trailingComma: boolean } {
    this.i++;
    this.depth++;
    const items: unknown[] = [];
    let trailingComma = false;
    this.skip();
    while (this.peek() !== close) {
      items.push(this.parseValue());
      this.skip();
      trailingComma = false;
      if (this.peek() === ',') {
        this.i++;
        trailingComma = true;
        this.skip();
      } else if (this.peek() !== close) {
        throw new NotALiteral();
      }
    }
    if (open === '(' && items.length === 0) trailingComma = true;
    this.i++;
    this.depth--;
    return { items, trailingComma };
  }

  private parseBrace(): unknown {
    this.i++;
    this.depth++;
    this.skip();
    if (this.peek() === '}') {
      this.i++;
      this.depth--;
      return {};
    }
    const first = this.parseValue();
    this.skip();
    if (this.peek() === ':') {
      const dict: Record<string, unknown> = {};
      let key: unknown = first;
      for (;;) {
        this.expect(':');
        dict[keyString(key)] = this.parseValue();
        this.skip();
        if (this.peek() === ',') {
          this.i++;
          this.skip();
        }
        if (this.peek() === '}') break;
        if (this.atEnd()) throw new NotALiteral();
        key = this.parseValue();
      }
      this.i++;
      this.depth--;
      return dict;
    }
    const items: unknown[] = [first];
    while (this.peek() === ',') {
      this.i++;
      this.skip();
      if (this.peek() === '}') break;
      items.push(this.parseValue());
      this.skip();
    }
    if (this.peek() !== '}') throw new NotALiteral();
    this.i++;
    this.depth--;
    return items;
  }

  private parseNumber(): number | undefined {
    const rest = this.s.slice(this.i);
    const radix = /^0([xXoObB])([0-9a-fA-F_]+)/.exec(rest);
    if (radix) {
      const base = { x: 16, o: 8, b: 2 }[(radix[1] ?? 'x').toLowerCase() as 'x' | 'o' | 'b'];
      const digits = (radix[2] ?? '').replace(/_/g, '');
      const valid = base === 16 ? /^[0-9a-f]+$/i : base === 8 ? /^[0-7]+$/ : /^[01]+$/;
      if (!valid.test(digits)) throw new NotALiteral();
      this.i += radix[0].length;
      this.rejectIdentifierTail();
      return parseInt(digits, base);
    }
    const m = /^(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?/.exec(rest);
    if (!m) return undefined;
    const text = m[0];
    this.i += text.length;
    if (/^[jJ]/.test(this.peek())) throw new NotALiteral();
    this.rejectIdentifierTail();
    const isInt = /^\d[\d_]*$/.test(text);
    if (isInt && /^0[\d_]*[1-9]/.test(text)) throw new NotALiteral();
    return Number(text.replace(/_/g, ''));
  }

  private rejectIdentifierTail(): void {
    if (/^[A-Za-z_]/.test(this.peek())) throw new NotALiteral();
  }

  /** One or more adjacent string literals, concatenated; undefined when there is none here. */
  private parseStrings(): string | undefined {
    let out: string | undefined;
    for (;;) {
      const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) break;
      const prefix = (m[1] ?? '').toLowerCase();
      if (prefix.includes('u') && prefix.length > 1) throw new NotALiteral();
      const quote = m[2] ?? "'";
      this.i += m[0].length;
      out = (out ?? '') + this.parseStringBody(quote, prefix.includes('r'));
      this.skip();
    }
    return out;
  }

  private parseStringBody(quote: string, raw: boolean): string {
    let out = '';
    const triple = quote.length === 3;
    for (;;) {
      if (this.atEnd()) throw new NotALiteral();
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = this.s[this.i++] ?? '';
      if (c === '\n' && !triple) throw new NotALiteral();
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++] ?? '';
      if (raw) {
        out += `\\${e}`;
        continue;
      }
      if (e in ESCAPES) out += ESCAPES[e];
      else if (/[0-7]/.test(e)) {
        const oct = /^[0-7]{0,2}/.exec(this.s.slice(this.i))?.[0] ?? '';
        this.i += oct.length;
        out += String.fromCodePoint(parseInt(e + oct, 8));
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new NotALiteral();
        this.i += len;
        out += String.fromCodePoint(parseInt(hex, 16));
      } else if (e === 'N') {
        throw new NotALiteral();
      } else {
        out += `\\${e}`;
      }
    }
  }
}

function keyString(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'None';
  if (typeof k === 'boolean') return k ? 'True' : 'False';
  if (typeof k === 'number') return String(k);
  throw new NotALiteral();
}
