/**
 * Bundles the console (src/web/console/) with `bun build`. Imported as a
 * macro by src/web/console.ts, so it runs when that file is transpiled: at
 * start-up when running from source, at build time for the single binary,
 * whose bundle then carries the result as plain strings.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConsoleAssets {
  js: string;
  css: string;
}

export function bundleConsole(): ConsoleAssets {
  const out = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
  try {
    // Bun.build cannot run inside a macro (the bundler waits on the macro), the CLI can.
    const proc = Bun.spawnSync(
      [process.execPath, 'build', join(import.meta.dir, 'console/main.tsx'), '--outdir', out, '--minify',
        '--target=browser', '--format=esm', '--entry-naming=console.[ext]'],
      { stdout: 'pipe', stderr: 'pipe' },
    );
    if (proc.exitCode !== 0) {
      // A macro's exception reaches the caller without its message: say it here.
      console.error(`bundling the console failed:\n${proc.stderr.toString()}${proc.stdout.toString()}`);
      throw new Error('bundling the console failed');
    }
    const files = readdirSync(out);
    const read = (ext: string) => {
      const name = files.find((f) => f.endsWith(ext));
      return name ? readFileSync(join(out, name), 'utf8') : '';
    };
    return { js: read('.js'), css: read('.css') };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
