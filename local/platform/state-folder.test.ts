import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLocalSecrets } from '../http/secret-key.js';
import { secureStateFolder, STATE_SUBFOLDERS } from './state-folder.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the state folder', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-state-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is created private: the folder and every state subfolder 0700', () => {
    const home = join(root, 'home');
    expect(secureStateFolder(home).tightened).toEqual([]);
    for (const path of [home, ...STATE_SUBFOLDERS.map((s) => join(home, s))]) expect(modeOf(path)).toBe(0o700);
  });

  it('tightens an existing store, logs and key left readable by others (an older version, a copy)', () => {
    const home = join(root, 'home');
    mkdirSync(join(home, 'dynamodb'), { recursive: true, mode: 0o755 });
    mkdirSync(join(home, 'logs'), { mode: 0o775 });
    writeFileSync(join(home, 'secret.key'), `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
    // mkdirSync applies the umask; make the modes what an old install left behind.
    for (const [path, mode] of [[home, 0o755], [join(home, 'dynamodb'), 0o755], [join(home, 'logs'), 0o775]] as const) chmodSync(path, mode);
    const report = secureStateFolder(home);
    expect(report.tightened).toEqual([
      { path: home, mode: '0755' },
      { path: join(home, 'dynamodb'), mode: '0755' },
      { path: join(home, 'logs'), mode: '0775' },
    ]);
    expect(modeOf(join(home, 'dynamodb'))).toBe(0o700);
    loadLocalSecrets(home, {});
    expect(modeOf(join(home, 'secret.key'))).toBe(0o600);
  });
});
