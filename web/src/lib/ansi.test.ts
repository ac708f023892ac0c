import { ansiClasses, parseAnsi, PLAIN, stripAnsi } from './ansi';

describe('parseAnsi', () => {
  it('splits colours and weights into segments and drops the codes', () => {
    const { segments } = parseAnsi('ok \u001b[31;1mERROR\u001b[0m done');
    expect(segments.map((s) => [s.text, ansiClasses(s.style)])).toEqual([
      ['ok ', ''],
      ['ERROR', 'ansi-fg-1 ansi-bold'],
      [' done', ''],
    ]);
  });

  it('keeps markup as plain text', () => {
    const { segments } = parseAnsi('<script>alert(1)</script>\n<b>x</b>');
    expect(segments).toEqual([{ text: '<script>alert(1)</script>\n<b>x</b>', style: PLAIN }]);
  });

  it('drops non-colour escapes (cursor moves, titles, hyperlinks) and skips extended colour arguments', () => {
    expect(stripAnsi('a\u001b[2Kb\u001b]0;title\u0007c\u001b]8;;http://x\u001b\\d')).toBe('abcd');
    const { segments } = parseAnsi('\u001b[38;5;196mred\u001b[39m \u001b[92mbright');
    expect(segments.map((s) => [s.text, ansiClasses(s.style)])).toEqual([
      ['red ', ''],
      ['bright', 'ansi-fg-10'],
    ]);
  });

  it('carries the style across chunks of a followed log', () => {
    const first = parseAnsi('\u001b[33mwarn ');
    const second = parseAnsi('continues\u001b[0m', first.end);
    expect(ansiClasses(second.segments[0]!.style)).toBe('ansi-fg-3');
  });
});
