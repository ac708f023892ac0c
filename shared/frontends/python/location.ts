/** Source offsets to 1-based line:col, as compilers print them. */
import type { SourceLocation } from '../../model/schema.js';

export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly source: string,
    readonly file: string,
  ) {
    // Without \r, only \n ends lines: found by indexOf, much faster than reading every character.
    if (!source.includes('\r')) {
      for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
      return;
    }
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      // \r\n counts once; a lone \r is a line break too (Python accepts both).
      if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  /** The location of a character offset (clamped to the source). */
  at(offset: number): SourceLocation {
    const pos = Math.max(0, Math.min(offset, this.source.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, col: pos - this.lineStarts[lo]! + 1 };
  }

  /** The text of the line containing an offset (for syntax error messages). */
  lineText(offset: number): string {
    const { line } = this.at(offset);
    const start = this.lineStarts[line - 1]!;
    const end = line < this.lineStarts.length ? this.lineStarts[line]! : this.source.length;
    return this.source.slice(start, end).replace(/[\r\n]+$/, '');
  }
}
