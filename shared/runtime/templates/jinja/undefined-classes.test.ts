/**
 * jinja2's four Undefined classes (DAG(template_undefined=...)): what each prints or raises. The
 * expected values are what Jinja 3.1's SandboxedEnvironment(undefined=cls) renders with `d={}`.
 */
import { renderTemplate, type UndefinedBehavior } from '../render.js';

const render = (template: string, behavior: UndefinedBehavior): string => {
  try {
    return JSON.stringify(renderTemplate(template, { d: {} } as never, { undefined: behavior }));
  } catch (err) {
    return `UndefinedError: ${(err as Error).message.replace(/^.*UndefinedError: /s, '')}`;
  }
};

const RAISES_X = "UndefinedError: 'x' is undefined";
const RAISES_K = "UndefinedError: 'dict object' has no attribute 'k'";

it.each<[string, { lenient: string; strict: string; chainable: string; debug: string }]>([
  ['[{{ x }}]', { lenient: '"[]"', strict: RAISES_X, chainable: '"[]"', debug: '"[{{ x }}]"' }],
  ['[{{ x.y }}]', { lenient: RAISES_X, strict: RAISES_X, chainable: '"[]"', debug: RAISES_X }],
  ['[{{ d.k }}]', { lenient: '"[]"', strict: RAISES_K, chainable: '"[]"', debug: `"[{{ no such element: dict object['k'] }}]"` }],
  ['[{{ d["k"] }}]', { lenient: '"[]"', strict: RAISES_K, chainable: '"[]"', debug: `"[{{ no such element: dict object['k'] }}]"` }],
  ['[{{ d.k.z }}]', { lenient: RAISES_K, strict: RAISES_K, chainable: '"[]"', debug: RAISES_K }],
  ['[{{ x | default("dft") }}]', { lenient: '"[dft]"', strict: '"[dft]"', chainable: '"[dft]"', debug: '"[dft]"' }],
  ['[{{ "a" ~ x }}]', { lenient: '"[a]"', strict: RAISES_X, chainable: '"[a]"', debug: '"[a{{ x }}]"' }],
  ['[{{ [] | first }}]', { lenient: '"[]"', strict: 'UndefinedError: No first item, sequence was empty.', chainable: '"[]"', debug: '"[{{ undefined value printed: No first item, sequence was empty. }}]"' }],
])('%s renders as Jinja does with each Undefined class', (template, expected) => {
  expect({ lenient: render(template, 'lenient'), strict: render(template, 'strict'), chainable: render(template, 'chainable'), debug: render(template, 'debug') }).toEqual(expected);
});
