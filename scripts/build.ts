/**
 * Builds the single executable: `bun build --compile` bundles the code, the
 * migrations, the price data and the web assets into dist/switchyard.
 * Usage: bun scripts/build.ts [--outfile PATH]
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { outfile: { type: 'string', default: 'dist/switchyard' } } });
const outfile = values.outfile as string;
const started = performance.now();
const proc = Bun.spawnSync(
  // --bytecode stores the code precompiled: start-up skips parsing ~600 modules
  // (cold start to first /health 138-154 -> 60-71 ms; the binary grows by 15 MB).
  [process.execPath, 'build', '--compile', '--minify', '--bytecode', '--sourcemap=inline', 'src/main.ts',
    // The store threads' entry (src/store/sqlite/thread-client.ts finds it here).
    'src/store/sqlite/thread.ts', '--outfile', outfile],
  { stdout: 'inherit', stderr: 'inherit', cwd: `${import.meta.dir}/..` },
);
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
const mb = statSync(`${import.meta.dir}/../${outfile}`).size / 1024 / 1024;
console.log(`built ${outfile}: ${mb.toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
