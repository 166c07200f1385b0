/**
 * Shared state in PostgreSQL, for gateways on many hosts without Redis (and
 * the fallback while Redis is away): rate windows, budget holds and a change
 * log are rows of the shared database, each decision one statement or one
 * short transaction that locks the rows it decides on. Times come from the
 * gateway's clock, as in the SQLite state (keep gateways' clocks in sync).
 *
 * Its own small pool, so that a decision never waits behind list queries;
 * one more connection LISTENs for change notices. The response cache stays
 * per process (caching is not admission).
 */
import { storableText } from './storable.ts';
import { SQL } from 'bun';
import { randomToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/log.ts';
import { MemoryResponseCache } from '../../routing/cache.ts';
import { checkAmount, decide } from '../budget-rule.ts';
import { MemoryFeed } from '../memory/feed.ts';
import { ALLOWED, MINUTE, slidingWindow } from '../rate-window.ts';
import type {
  BudgetSubject,
  CommittedSpendSource,
  CommittedUsage,
  Invalidation,
  InvalidationFeed,
  RateDecision,
  RateLimiter,
  ReservationLedger,
  ReserveOutcome,
  ReserveRequest,
  SharedState,
} from '../state-types.ts';
import { num, openPool, transaction, translate, translating } from './connection.ts';
import { applyMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';


/** A customer as one text: budget-rule's subjectKey joins with NUL, which PostgreSQL text cannot hold. */
function subjectKey(s: BudgetSubject): string {
  return JSON.stringify([s.orgId, s.environment, s.identifier]);
}
const CHANNEL = 'switchyard_changes';
/** One advisory lock key for publishing: change numbers are then committed in order. */
const PUBLISH_LOCK = 0x5359_4348;

/**
 * Sliding-window counter per key (the previous minute weighted by its
 * overlap, plus this minute), checked and counted in ONE statement: the
 * upsert locks the window's row, so concurrent hits from any gateway queue
 * on it and each sees the count the one before left.
 */
export class PgRateLimiter implements RateLimiter {
  private lastSweep = 0;

  constructor(
    private readonly sql: SQL,
    private readonly now: () => number,
  ) {}

  async hit(name: string, perMinute: number): Promise<RateDecision> {
    // Keys join their parts with NUL, which PostgreSQL text cannot hold: stored as JSON strings.
    const key = JSON.stringify(name);
    const now = this.now();
    const { start, previousWeight, refused } = slidingWindow(now);
    const previous = '(SELECT p.count FROM rate_windows p WHERE p.key = $1 AND p.start = $3::int8)';
    const rows = await this.sql.unsafe(
      `INSERT INTO rate_windows AS w (key, start, count)
       SELECT $1, $2::int8, 1 WHERE coalesce(${previous}, 0) * $4::float8 + 1 <= $5::float8
       ON CONFLICT (key, start) DO UPDATE SET count = w.count + 1
         WHERE coalesce(${previous}, 0) * $4::float8 + w.count + 1 <= $5::float8
       RETURNING count`,
      [key, start, start - MINUTE, previousWeight, perMinute],
    );
    if (now - this.lastSweep > MINUTE) {
      this.lastSweep = now;
      await this.sql.unsafe('DELETE FROM rate_windows WHERE start < $1::int8', [start - MINUTE]);
    }
    return rows.length > 0 ? ALLOWED : refused;
  }
}

/**
 * Holds are rows; committed spend is read from the store. Between reading
 * committed spend and checking holds, a call's span may commit and its hold be
 * dropped: counted in neither, it would let budget through. So committed()
 * bumps the customer's generation in the transaction that drops the holds,
 * and tryReserve, holding that generation row's lock while it decides, reads
 * spend again if the generation moved since it read spend. The same lock
 * makes concurrent decisions for one customer take turns.
 */
export class PgLedger implements ReservationLedger {
  constructor(
    private readonly sql: SQL,
    private readonly source: CommittedSpendSource,
    private readonly now: () => number,
    private readonly holdTtlMs = 10 * MINUTE,
  ) {}

  private async generation(subject: string): Promise<number> {
    const [row] = await this.sql.unsafe<{ gen: string }[]>('SELECT gen FROM spend_generations WHERE subject = $1', [subject]);
    return num(row?.gen ?? 0);
  }

  async tryReserve(req: ReserveRequest): Promise<ReserveOutcome> {
    checkAmount(req.amount);
    const subject = subjectKey(req.subject);
    for (let attempt = 0; ; attempt++) {
      const gen = await this.generation(subject);
      const committed = await Promise.all(req.limits.map((l) => this.source.billed(req.subject, l.window)));
      const outcome = await transaction(this.sql, async (tx): Promise<ReserveOutcome | null> => {
        await tx.unsafe('INSERT INTO spend_generations (subject, gen) VALUES ($1, 0) ON CONFLICT (subject) DO NOTHING', [subject]);
        const [row] = await tx.unsafe<{ gen: string }[]>('SELECT gen FROM spend_generations WHERE subject = $1 FOR UPDATE', [subject]);
        if (num(row?.gen ?? 0) !== gen && attempt < 5) return null;
        const now = this.now();
        await tx.unsafe('DELETE FROM holds WHERE subject = $1 AND expires_at <= $2::int8', [subject, now]);
        const [sum] = await tx.unsafe<{ s: number | null }[]>('SELECT sum(amount) AS s FROM holds WHERE subject = $1', [subject]);
        const held = sum?.s ?? 0;
        const outcome = decide(req.limits, committed.map((c) => ({ committed: c, held })), req.amount);
        if (outcome.ok) {
          await tx.unsafe('INSERT INTO holds (id, subject, amount, expires_at) VALUES ($1, $2, $3::float8, $4::int8)', [
            req.id, subject, req.amount, now + this.holdTtlMs,
          ]);
        }
        return outcome;
      });
      if (outcome) return outcome;
    }
  }

  async settle(_subject: BudgetSubject, id: string, amount: number): Promise<void> {
    checkAmount(amount);
    await this.sql.unsafe('UPDATE holds SET amount = $1::float8, expires_at = $2::int8 WHERE id = $3', [amount, this.now() + this.holdTtlMs, id]);
  }

  async release(_subject: BudgetSubject, id: string): Promise<void> {
    await this.sql.unsafe('DELETE FROM holds WHERE id = $1', [id]);
  }

  async committed(usage: CommittedUsage[]): Promise<void> {
    if (usage.length === 0) return;
    const holds = usage.flatMap((u) => (u.reservationId ? [u.reservationId] : []));
    // Sorted: generation rows are locked in one order by every gateway.
    const subjects = [...new Set(usage.map((u) => subjectKey(u.subject)))].sort();
    await transaction(this.sql, async (tx) => {
      if (holds.length > 0) await tx.unsafe('DELETE FROM holds WHERE id = ANY($1::text[])', [holds]);
      await tx.unsafe(
        `INSERT INTO spend_generations AS g (subject, gen) SELECT s, 1 FROM unnest($1::text[]) AS s
         ON CONFLICT (subject) DO UPDATE SET gen = g.gen + 1`,
        [subjects],
      );
    });
  }
}

interface ChangeRow {
  seq: string;
  origin: string;
  topic: Invalidation['topic'];
  org_id: string;
  id: string;
}

/**
 * A change log every gateway reads: a NOTIFY on each publish wakes the
 * readers at once, and a poll every `pollMs` catches what a dropped LISTEN
 * connection missed (the log, not the notice, is the truth). Publishes take
 * turns under an advisory lock so change numbers commit in order and a
 * reader never skips one that commits late. A gateway's own changes reach
 * its listeners at publish.
 */
export class PgInvalidationFeed implements InvalidationFeed {
  private readonly origin = randomToken(12);
  private readonly local: MemoryFeed;
  private last = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private lastPrune = 0;
  private closed = false;

  constructor(
    private readonly sql: SQL,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.local = new MemoryFeed(log);
  }

  /** Starts reading from the current end of the log. */
  async start(listener: SQL, pollMs: number): Promise<void> {
    const [row] = await this.sql.unsafe<{ m: string | null }[]>('SELECT max(seq) AS m FROM changes');
    this.last = num(row?.m ?? 0);
    this.timer = setInterval(() => this.read(), pollMs);
    this.timer.unref();
    // Every notice, and every (re)subscription after a dropped connection, reads the log.
    await listener.listen(CHANNEL, () => this.read(), () => this.read());
  }

  async publish(change: Invalidation): Promise<void> {
    await transaction(this.sql, async (tx) => {
      await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [PUBLISH_LOCK]);
      await tx.unsafe('INSERT INTO changes (at, origin, topic, org_id, id) VALUES ($1::int8, $2, $3, $4, $5)', [
        // The id as the record was stored (storable.ts): a name with a NUL is not a driver error.
        this.now(), this.origin, change.topic, change.orgId, storableText(change.id),
      ]);
      await tx.notify(CHANNEL);
    });
    this.local.deliver(change);
  }

  subscribe(listener: (change: Invalidation) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.reading;
    await this.local.close();
  }

  /** Reads what is new; a read asked for while one runs runs once more after it. */
  private read(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readOnce()
      .catch((err: unknown) => {
        // Unreachable for a moment: the next notice or poll catches up from `last`.
        this.log.warn('invalidation read failed', { error: String(translate(err, 0)) });
      })
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.read();
        }
      });
  }

  private async readOnce(): Promise<void> {
    const rows = await this.sql.unsafe<ChangeRow[]>(
      'SELECT seq, origin, topic, org_id, id FROM changes WHERE seq > $1::int8 ORDER BY seq',
      [this.last],
    );
    for (const r of rows) {
      this.last = num(r.seq);
      if (r.origin !== this.origin) this.local.deliver({ topic: r.topic, orgId: r.org_id, id: r.id });
    }
    const now = this.now();
    if (now - this.lastPrune > MINUTE) {
      this.lastPrune = now;
      await this.sql.unsafe('DELETE FROM changes WHERE at < $1::int8', [now - 10 * MINUTE]);
    }
  }
}

export interface PgStateOptions {
  url: string;
  /** Connections for decisions (default 4), plus one that listens. */
  poolSize?: number;
  statementTimeoutMs: number;
  source: CommittedSpendSource;
  cacheMaxBytes: number;
  now: () => number;
  log: Logger;
  /** How long a hold lasts unless settled or committed (default 10 minutes). */
  holdTtlMs?: number;
  /** How often the change log is read besides notices (default 1000 ms). */
  pollMs?: number;
  /** application_name of the connections: `<name>:state` and `<name>:feed`. */
  name?: string;
}

export async function openPostgresState(opts: PgStateOptions): Promise<SharedState> {
  const name = opts.name ?? 'switchyard';
  const sql = openPool({ url: opts.url, poolSize: opts.poolSize ?? 4, statementTimeoutMs: opts.statementTimeoutMs, applicationName: `${name}:state` });
  const listener = new SQL({ url: opts.url, max: 1, connection: { application_name: `${name}:feed` } });
  const invalidations = new PgInvalidationFeed(sql, opts.now, opts.log);
  try {
    await applyMigrations(sql, migrations);
    await invalidations.start(listener, opts.pollMs ?? 1000);
  } catch (err) {
    await invalidations.close();
    await Promise.all([listener.close(), sql.close()]);
    throw translate(err, opts.statementTimeoutMs);
  }
  // A database away is a 503 (or, behind Redis, the failover's business), never a 500.
  return {
    rateLimiter: translating<RateLimiter>(new PgRateLimiter(sql, opts.now), opts.statementTimeoutMs),
    ledger: translating<ReservationLedger>(new PgLedger(sql, opts.source, opts.now, opts.holdTtlMs), opts.statementTimeoutMs),
    cache: new MemoryResponseCache({ maxBytes: opts.cacheMaxBytes, now: opts.now }),
    invalidations,
    async close() {
      await invalidations.close();
      await Promise.all([listener.close({ timeout: 1 }), sql.close({ timeout: 5 })]);
    },
  };
}
