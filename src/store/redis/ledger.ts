/**
 * Budget reservations in Redis (lua/reserve.lua, settle.lua, release.lua,
 * committed.lua): every decision is one script on the server's clock.
 *
 * Committed spend per customer and window lives in Redis for `spendTtlMs`,
 * then is read again from the CommittedSpendSource, which also repairs
 * spend that a lost committed() left out. Reading it is two-sided: the
 * script first records that a read is in progress (everything committed from
 * then on is added to the read's tally), then the gateway reads the database
 * and hands the value back with the read's token; the script seeds the spend
 * with value + tally only if that read is still the one recorded. Gateways
 * racing to seed the same window share the first seed; a read whose record
 * expired or was replaced starts over.
 */
import type { Range } from '../../lib/periods.ts';
import { BUDGET_EPSILON, checkAmount, refusal, windowName } from '../budget-rule.ts';
import type {
  BudgetSubject,
  CommittedSpendSource,
  CommittedUsage,
  ReservationLedger,
  ReserveOutcome,
  ReserveRequest,
} from '../state-types.ts';
import type { RedisConnection } from './connection.ts';
import type { RedisKeys } from './keys.ts';
import { SCRIPTS } from './scripts.ts';

export interface RedisLedgerOptions {
  /** How long a hold lives without settle or commit, and after settle (default 10 min). */
  holdTtlMs?: number;
  /** How long committed spend stays in Redis before it is read from the database again (default 60 s). */
  spendTtlMs?: number;
}

/** How long a read of committed spend may take before its record expires and it must start over. */
const READ_TTL_MS = 30_000;
/** Reads in a row that may find their record gone before tryReserve gives up. */
const MAX_READS = 4;
/** Arguments per committed() script call, so one call never blocks Redis for long. */
const COMMIT_ARGS = 3000;

type Reply = [status: 'ok' | 'no' | 'read', index: number, held: string, ...rest: (string | number)[]];

export class RedisLedger implements ReservationLedger {
  private readonly holdTtlMs: number;
  private readonly spendTtlMs: number;
  /** Reads of committed spend in flight, by customer, window and token: concurrent calls share one. */
  private readonly reads = new Map<string, Promise<number>>();

  constructor(
    private readonly conn: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly source: CommittedSpendSource,
    opts: RedisLedgerOptions = {},
  ) {
    this.holdTtlMs = opts.holdTtlMs ?? 10 * 60_000;
    this.spendTtlMs = opts.spendTtlMs ?? 60_000;
  }

  async tryReserve(req: ReserveRequest): Promise<ReserveOutcome> {
    checkAmount(req.amount);
    if (req.id === '') throw new RangeError('a reservation id must not be empty');
    const base = this.keys.budget(req.subject);
    const seeds = req.limits.map(() => ({ value: '', token: '' }));
    for (let attempt = 0; attempt < MAX_READS; attempt++) {
      const args = [req.id, nano(req.amount), String(this.holdTtlMs), String(this.spendTtlMs), String(READ_TTL_MS), String(BUDGET_EPSILON)];
      for (const [i, l] of req.limits.entries()) {
        const s = seeds[i] as { value: string; token: string };
        args.push(windowName(l.window), String(l.window?.start ?? ''), String(l.window?.end ?? ''), String(l.limit), s.value, s.token);
      }
      const reply = (await SCRIPTS.reserve.run(this.conn, [base, this.keys.spendEpoch], args)) as Reply;
      const [status, index, held, ...rest] = reply;
      if (status === 'read') {
        await Promise.all(
          pairs(rest).map(async ([i, token]) => {
            const limit = req.limits[Number(i) - 1];
            if (!limit) throw new Error(`reserve script named limit ${i} of ${req.limits.length}`);
            const value = await this.read(base, req.subject, limit.window, String(token));
            seeds[Number(i) - 1] = { value: String(value), token: String(token) };
          }),
        );
        continue;
      }
      const usage = rest.map((c) => ({ committed: Number(c), held: Number(held) }));
      return status === 'ok' ? { ok: true, usage } : refusal(req.limits, usage, index - 1);
    }
    throw new Error(`committed spend could not be seeded in Redis after ${MAX_READS} reads (each took over ${READ_TTL_MS} ms or raced a newer read)`);
  }

  async settle(subject: BudgetSubject, id: string, amount: number): Promise<void> {
    checkAmount(amount);
    await SCRIPTS.settle.run(this.conn, [this.keys.budget(subject)], [id, nano(amount), String(this.holdTtlMs)]);
  }

  async release(subject: BudgetSubject, id: string): Promise<void> {
    await SCRIPTS.release.run(this.conn, [this.keys.budget(subject)], [id]);
  }

  async committed(usage: CommittedUsage[]): Promise<void> {
    const byCustomer = new Map<string, CommittedUsage[]>();
    for (const u of usage) {
      const base = this.keys.budget(u.subject);
      const list = byCustomer.get(base);
      if (list) list.push(u);
      else byCustomer.set(base, [u]);
    }
    let args: string[] = [];
    for (const [base, list] of byCustomer) {
      args.push(base, String(list.length));
      for (const u of list) args.push(String(u.timestamp), String(u.billed), u.reservationId ?? '');
      if (args.length >= COMMIT_ARGS) {
        await SCRIPTS.committed.run(this.conn, [this.keys.spendEpoch], args);
        args = [];
      }
    }
    if (args.length > 0) await SCRIPTS.committed.run(this.conn, [this.keys.spendEpoch], args);
  }

  /** Makes every gateway read committed spend from the database again (after committed() calls were lost). */
  async forgetSpend(): Promise<void> {
    await this.conn.send('INCR', [this.keys.spendEpoch]);
  }

  private read(base: string, subject: BudgetSubject, window: Range | null, token: string): Promise<number> {
    const key = `${base} ${windowName(window)} ${token}`;
    let p = this.reads.get(key);
    if (!p) {
      p = this.source.billed(subject, window).finally(() => this.reads.delete(key));
      this.reads.set(key, p);
    }
    return p;
  }
}

/** Holds are kept in whole nano-dollars (lua/lib.lua): their running sum stays exact. */
function nano(usd: number): string {
  return String(Math.round(usd * 1e9));
}

function pairs<T>(list: T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([list[i] as T, list[i + 1] as T]);
  return out;
}
