/** The console is rebuilt only when what the build reads changed; a build replaces web/dist whole. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleBuildState, consoleSourceHash, ensureConsoleBuilt } from './console-build.js';

describe('console build', () => {
  let root: string;
  let web: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'skydag-console-build-'));
    web = join(root, 'web');
    mkdirSync(join(web, 'src'), { recursive: true });
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/src/main.ts"></script>');
    writeFileSync(join(web, 'vite.config.ts'), "export default { logLevel: 'silent' };\n");
    writeFileSync(join(web, 'src', 'main.ts'), "document.getElementById('root')!.textContent = 'hello';\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('hashes sources but not tests', () => {
    const before = consoleSourceHash(web);
    writeFileSync(join(web, 'src', 'main.test.ts'), 'test');
    expect(consoleSourceHash(web)).toBe(before);
    writeFileSync(join(web, 'src', 'main.ts'), "document.title = 'changed';\n");
    expect(consoleSourceHash(web)).not.toBe(before);
  });

  it('builds when missing, skips when fresh, rebuilds when a source changed', async () => {
    const log: string[] = [];
    expect(consoleBuildState(web)).toBe('missing');
    const first = await ensureConsoleBuilt((l) => log.push(l), web);
    expect(first).toMatchObject({ dir: join(web, 'dist'), built: true });
    expect(readFileSync(join(web, 'dist', 'index.html'), 'utf8')).toContain('/assets/');
    expect(consoleBuildState(web)).toBe('fresh');
    expect(await ensureConsoleBuilt((l) => log.push(l), web)).toMatchObject({ built: false });

    writeFileSync(join(web, 'src', 'main.ts'), "document.title = 'changed';\n");
    expect(consoleBuildState(web)).toBe('outdated');
    expect(await ensureConsoleBuilt((l) => log.push(l), web)).toMatchObject({ built: true });
    expect(log.filter((l) => l.includes('building the web console'))).toHaveLength(2);
    // No temporary or old build folders are left behind.
    expect(readdirSync(web).filter((f) => !f.startsWith('.')).sort()).toEqual(['dist', 'index.html', 'src', 'vite.config.ts']);
  }, 60_000);

  it('builds for production whatever NODE_ENV the server runs with (jest sets test)', async () => {
    writeFileSync(join(web, 'src', 'main.ts'), "document.getElementById('root')!.textContent = `mode: ${process.env.NODE_ENV}`;\n");
    await ensureConsoleBuilt(() => undefined, web);
    const assets = join(web, 'dist', 'assets');
    const code = readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(assets, f), 'utf8'))
      .join('\n');
    expect(code).toContain('mode: production');
  }, 60_000);

  it('keeps serving the previous build when a rebuild fails, and says why', async () => {
    await ensureConsoleBuilt(() => undefined, web);
    writeFileSync(join(web, 'src', 'main.ts'), 'this is not ( valid typescript');
    const log: string[] = [];
    const result = await ensureConsoleBuilt((l) => log.push(l), web);
    expect(result.dir).toBe(join(web, 'dist'));
    expect(result.error).toBeTruthy();
    expect(log.join('\n')).toContain('serving the previous build');
    expect(existsSync(join(web, 'dist', 'index.html'))).toBe(true);
  }, 60_000);
});
