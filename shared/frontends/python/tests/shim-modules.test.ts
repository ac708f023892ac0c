import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHIM_MODULE_SOURCES } from '../shim-modules.js';

it("holds the same text as the shim's modules that tasks import", () => {
  for (const { file, source } of Object.values(SHIM_MODULE_SOURCES)) {
    expect([file, source]).toEqual([file, readFileSync(join(__dirname, '../../../python', file), 'utf8')]);
  }
});
