/**
 * `switchyard migrate-store --from ./data --to postgres://...`: copies a
 * SQLite deployment's records into PostgreSQL (src/store/transfer.ts), with
 * a progress line per table on stderr and a table of counts at the end.
 * Exit 0 only when every table's count checks out.
 */
import { createLogger } from '../lib/log.ts';
import { openTransferSource, openTransferTarget } from '../store/open.ts';
import { NonEmptyTargetError, type TableResult, TransferSetupError, transfer } from '../store/transfer.ts';
import { numberFlag, parseCommandArgs, UsageError } from './args.ts';

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'allow-non-empty': { type: 'boolean', default: false },
  batch: { type: 'string' },
} as const;

export interface MigrateOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

function table(results: TableResult[]): string[] {
  const rows = [['table', 'source', 'target before', 'copied', 'target after', 'check']];
  for (const r of results) {
    rows.push([r.table, String(r.source), String(r.before), String(r.copied), String(r.after), r.ok ? 'ok' : 'MISMATCH']);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [line(rows[0] ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
}

export async function migrateStoreCommand(argv: string[], io: MigrateOutput): Promise<number> {
  const { values: v } = parseCommandArgs(argv, OPTIONS, false);
  if (!v.from || !v.to) throw new UsageError('migrate-store needs --from DATA_DIR and --to postgres://USER@HOST:PORT/DB');
  const batch = numberFlag(v.batch, 'batch', 'integer') ?? 1000;
  if (batch < 1) throw new UsageError('--batch must be at least 1');
  const log = createLogger('warn');
  const source = await openTransferSource(v.from).catch((err: unknown) => {
    throw err instanceof TransferSetupError ? new UsageError(err.message) : err;
  });
  try {
    const target = await openTransferTarget(v.to, log);
    try {
      io.err(`copying ${source.describe} -> ${target.describe}`);
      const results = await transfer(source, target, { allowNonEmpty: v['allow-non-empty'], batch, progress: io.err });
      for (const l of table(results)) io.out(l);
      const bad = results.filter((r) => !r.ok);
      if (bad.length > 0) {
        io.err(`count check failed for ${bad.map((r) => r.table).join(', ')}`);
        return 1;
      }
      io.out('every table checked: the target holds every source row');
      return 0;
    } finally {
      await target.close();
    }
  } catch (err) {
    if (err instanceof NonEmptyTargetError) {
      io.err(`switchyard: ${err.message}`);
      return 1;
    }
    throw err instanceof TransferSetupError ? new UsageError(err.message) : err;
  } finally {
    await source.close();
  }
}
