/**
 * Shared state for gateways on one host sharing one data folder: rate
 * windows, budget holds and the invalidation feed are rows of a small
 * database of their own (`switchyard-state.db` beside the main one), each
 * decision one IMMEDIATE transaction. A file of its own keeps these
 * sub-millisecond transactions from queueing behind span batches for the main
 * file's write lock, so they run on the caller's thread.
 *
 * The response cache stays per process (caching is not admission).
 */
import type { Database } from 'bun:sqlite';
import { randomToken } from '../../lib/ids.ts';
import type { Logger } from '../../lib/log.ts';
import { MemoryResponseCache } from '../../routing/cache.ts';
import { checkAmount, decide, subjectKey } from '../budget-rule.ts';
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
import { openConnection } from './connection.ts';

const DDL = [
  `CREATE TABLE IF NOT EXISTS rate_windows (key TEXT NOT NULL, start INTEGER NOT NULL, count INTEGER NOT NULL,
     PRIMARY KEY (key, start)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS holds (id TEXT PRIMARY KEY, subject TEXT NOT NULL, amount REAL NOT NULL,
     expires_at INTEGER NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS holds_subject ON holds (subject)',
  'CREATE TABLE IF NOT EXISTS spend_generations (subject TEXT PRIMARY KEY, gen INTEGER NOT NULL) WITHOUT ROWID',
  `CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
     origin TEXT NOT NULL, topic TEXT NOT NULL, org_id TEXT NOT NULL, id TEXT NOT NULL)`,
];

/** Sliding-window counter per key: the previous minute weighted by its overlap, plus this minute. */
export class SqliteRateLimiter implements RateLimiter {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async hit(key: string, perMinute: number): Promise<RateDecision> {
    const now = this.now();
    const { start, previousWeight, refused } = slidingWindow(now);
    const count = this.db.query<{ count: number }, [string, number]>('SELECT count FROM rate_windows WHERE key = ? AND start = ?');
    const decision = this.db
      .transaction((): RateDecision => {
        const previous = count.get(key, start - MINUTE)?.count ?? 0;
        const current = count.get(key, start)?.count ?? 0;
        if (previous * previousWeight + current + 1 > perMinute) return refused;
        this.db
          .query('INSERT INTO rate_windows (key, start, count) VALUES (?, ?, 1) ON CONFLICT (key, start) DO UPDATE SET count = count + 1')
          .run(key, start);
        return ALLOWED;
      })
      .immediate();
    if (now - this.lastSweep > MINUTE) {
      this.lastSweep = now;
      this.db.query('DELETE FROM rate_windows WHERE start < ?').run(start - MINUTE);
    }
    return decision;
  }
}

/**
 * Holds are rows; committed spend is read from the store. Between reading
 * committed spend and checking holds, a call's span may commit and its hold be
 * dropped: counted in neither, it would let budget through. So committed()
 * bumps the subject's generation in the same transaction that drops holds, and
 * tryReserve re-reads committed spend if the generation moved meanwhile.
 */
export class SqliteLedger implements ReservationLedger {
  constructor(
    private readonly db: Database,
    private readonly source: CommittedSpendSource,
    private readonly now: () => number,
    private readonly holdTtlMs = 10 * MINUTE,
  ) {}

  private generation(subject: string): number {
    return this.db.query<{ gen: number }, [string]>('SELECT gen FROM spend_generations WHERE subject = ?').get(subject)?.gen ?? 0;
  }

  async tryReserve(req: ReserveRequest): Promise<ReserveOutcome> {
    checkAmount(req.amount);
    const subject = subjectKey(req.subject);
    for (let attempt = 0; ; attempt++) {
      const gen = this.generation(subject);
      const committed = await Promise.all(req.limits.map((l) => this.source.billed(req.subject, l.window)));
      const outcome = this.db
        .transaction((): ReserveOutcome | null => {
          if (this.generation(subject) !== gen && attempt < 5) return null;
          const now = this.now();
          this.db.query('DELETE FROM holds WHERE subject = ? AND expires_at <= ?').run(subject, now);
          const held = this.db.query<{ s: number | null }, [string]>('SELECT sum(amount) AS s FROM holds WHERE subject = ?').get(subject)?.s ?? 0;
          const outcome = decide(req.limits, committed.map((c) => ({ committed: c, held })), req.amount);
          if (outcome.ok) {
            this.db.query('INSERT INTO holds (id, subject, amount, expires_at) VALUES (?, ?, ?, ?)').run(req.id, subject, req.amount, now + this.holdTtlMs);
          }
          return outcome;
        })
        .immediate();
      if (outcome) return outcome;
    }
  }

  async settle(_subject: BudgetSubject, id: string, amount: number): Promise<void> {
    checkAmount(amount);
    this.db.query('UPDATE holds SET amount = ?, expires_at = ? WHERE id = ?').run(amount, this.now() + this.holdTtlMs, id);
  }

  async release(_subject: BudgetSubject, id: string): Promise<void> {
    this.db.query('DELETE FROM holds WHERE id = ?').run(id);
  }

  async committed(usage: CommittedUsage[]): Promise<void> {
    if (usage.length === 0) return;
    this.db
      .transaction(() => {
        const drop = this.db.query('DELETE FROM holds WHERE id = ?');
        const bump = this.db.query(
          'INSERT INTO spend_generations (subject, gen) VALUES (?, 1) ON CONFLICT (subject) DO UPDATE SET gen = gen + 1',
        );
        const subjects = new Set<string>();
        for (const u of usage) {
          if (u.reservationId) drop.run(u.reservationId);
          subjects.add(subjectKey(u.subject));
        }
        for (const s of subjects) bump.run(s);
      })
      .immediate();
  }
}

interface ChangeRow {
  seq: number;
  origin: string;
  topic: Invalidation['topic'];
  org_id: string;
  id: string;
}

/** A change log every process polls; its own changes are delivered at once. */
export class SqliteInvalidationFeed implements InvalidationFeed {
  private readonly origin = randomToken(12);
  private readonly local: MemoryFeed;
  private last: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastPrune = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly log: Logger,
    pollMs = 250,
  ) {
    this.local = new MemoryFeed(log);
    this.last = db.query<{ m: number | null }, []>('SELECT max(seq) AS m FROM changes').get()?.m ?? 0;
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  async publish(change: Invalidation): Promise<void> {
    this.db
      .query('INSERT INTO changes (at, origin, topic, org_id, id) VALUES (?, ?, ?, ?, ?)')
      .run(this.now(), this.origin, change.topic, change.orgId, change.id);
    this.local.deliver(change);
  }

  subscribe(listener: (change: Invalidation) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.local.close();
  }

  private poll(): void {
    try {
      const rows = this.db
        .query<ChangeRow, [number]>('SELECT seq, origin, topic, org_id, id FROM changes WHERE seq > ? ORDER BY seq')
        .all(this.last);
      for (const r of rows) {
        this.last = r.seq;
        if (r.origin !== this.origin) this.local.deliver({ topic: r.topic, orgId: r.org_id, id: r.id });
      }
      const now = this.now();
      if (now - this.lastPrune > MINUTE) {
        this.lastPrune = now;
        this.db.query('DELETE FROM changes WHERE at < ?').run(now - 10 * MINUTE);
      }
    } catch (err) {
      // A busy or briefly unavailable file: the next poll catches up from `last`.
      this.log.warn('invalidation poll failed', { error: String(err) });
    }
  }
}

export interface SqliteStateOptions {
  /** The state database file, or ':memory:'. */
  path: string;
  source: CommittedSpendSource;
  cacheMaxBytes: number;
  now: () => number;
  log: Logger;
  /** How long a hold lasts unless settled or committed (default 10 minutes). */
  holdTtlMs?: number;
  /** How often other processes' changes are read (default 250 ms). */
  pollMs?: number;
}

export function openSqliteState(opts: SqliteStateOptions): SharedState {
  const db = openConnection(opts.path, { cacheMb: 2, mmapMb: 0 });
  for (const stmt of DDL) db.run(stmt);
  const invalidations = new SqliteInvalidationFeed(db, opts.now, opts.log, opts.pollMs);
  return {
    rateLimiter: new SqliteRateLimiter(db, opts.now),
    ledger: new SqliteLedger(db, opts.source, opts.now, opts.holdTtlMs),
    cache: new MemoryResponseCache({ maxBytes: opts.cacheMaxBytes, now: opts.now }),
    invalidations,
    async close() {
      await invalidations.close();
      db.close(true);
    },
  };
}
