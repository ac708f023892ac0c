import { parser } from '@lezer/python';
import fs from 'fs';
const src = fs.readFileSync(process.argv[2], 'utf8');
const tree = parser.parse(src);
function dump(c, depth) {
  do {
    const text = src.slice(c.from, c.to);
    console.log('  '.repeat(depth) + c.name + (c.node.firstChild ? '' : ' ' + JSON.stringify(text.slice(0,40))));
    if (c.firstChild()) { dump(c, depth + 1); c.parent(); }
  } while (c.nextSibling());
}
dump(tree.cursor(), 0);
