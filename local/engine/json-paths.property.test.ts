/**
 * The local interpreter follows a path of plain names ($, $.a, $.a.b_2) itself instead of through
 * jsonpath-plus (vendor/aws-local-stepfunctions, VENDORED.md): it must give what jsonpath-plus gives,
 * for every document — missing names, falsy documents and values, arrays and strings (`length`),
 * inherited names (`constructor`), a value that is itself null or an array.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';

const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,4}$/);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constantFrom(null, 0, 1, '', 'text', true, false), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(name, tie('value'), { maxKeys: 4 }),
})).value;

/** A path of plain names: mostly names the document has, sometimes one it has not, `length` or `constructor`. */
function pathInto(document: unknown): fc.Arbitrary<string> {
  return fc.array(fc.tuple(fc.nat(9), name), { maxLength: 4 }).map((steps) => {
    let value = document;
    const names: string[] = [];
    for (const [pick, other] of steps) {
      const own = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      const next = pick < 6 && own.length > 0 ? own[pick % own.length]! : pick === 6 ? 'length' : pick === 7 ? 'constructor' : other;
      names.push(next);
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[next] : undefined;
    }
    return ['$', ...names].join('.');
  });
}

async function throughInterpreter(path: string, input: unknown): Promise<{ value: unknown } | 'no value'> {
  const machine = new StateMachine({ StartAt: 'Read', States: { Read: { Type: 'Pass', Parameters: { 'v.$': path }, End: true } } } as never, { validationOptions: { noValidate: true } });
  try {
    const output = (await machine.run(input as never).result) as { v: unknown };
    return { value: output.v };
  } catch {
    return 'no value';
  }
}

describe('the interpreter reads plain-name paths as jsonpath-plus does', () => {
  it('for documents and paths fast-check makes', async () => {
    await fc.assert(
      fc.asyncProperty(json.chain((document) => fc.tuple(fc.constant(document), pathInto(document))), async ([document, path]) => {
        const expected = JSONPath({ path, json: document as never, wrap: false }) as unknown;
        expect(await throughInterpreter(path, document)).toEqual(expected === undefined ? 'no value' : { value: expected });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['$', { a: 1 }, { value: { a: 1 } }],
    ['$', 0, 'no value'],
    ['$.a.length', { a: 'abc' }, { value: 3 }],
    ['$.a.length', { a: [1, 2] }, { value: 2 }],
    ['$.a.b', { a: '' }, 'no value'],
    ['$.a', { a: null }, { value: null }],
    ['$.a.constructor', { a: {} }, 'no value'],
    ['$.run.dag_id', { run: { dag_id: 'd' } }, { value: 'd' }],
  ])('%s of %j', async (path, document, expected) => {
    expect(await throughInterpreter(path, document)).toEqual(expected);
    const byLibrary = JSONPath({ path, json: document as never, wrap: false }) as unknown;
    expect(byLibrary === undefined ? 'no value' : { value: byLibrary }).toEqual(expected);
  });
});
