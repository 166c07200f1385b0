/**
 * Budget reservations: money set aside for calls in flight, so that
 * concurrent calls cannot all pass on the same remaining budget.
 *
 * A reservation is the call's estimated cost from admit until settle; from
 * settle it is the real cost, held until the call's span is committed (the
 * committed usage then contains it, and the gate drops the reservation when it
 * sees that span's reservation_id). Entries older than `ttlMs` are dropped, so
 * a call that is never settled, or whose span is never stored, cannot hold
 * budget forever.
 *
 * The interface is synchronous on purpose: the gate checks and reserves in one
 * turn of the event loop, which makes check-and-reserve atomic in-process. A
 * shared implementation (Redis, for several gateways) must do the check and
 * the reservation in one script.
 */
export interface ReservationLedger {
  /** USD held for a customer now (expired entries excluded). */
  held(customer: string, now: number): number;
  hold(customer: string, id: string, amount: number, now: number): void;
  /** Replaces an entry's amount (the real cost) and restarts its expiry. */
  settle(customer: string, id: string, amount: number, now: number): void;
  drop(customer: string, id: string): void;
}

interface Entry {
  amount: number;
  at: number;
}

export class MemoryLedger implements ReservationLedger {
  private readonly byCustomer = new Map<string, Map<string, Entry>>();

  constructor(private readonly ttlMs = 10 * 60_000) {}

  held(customer: string, now: number): number {
    const entries = this.byCustomer.get(customer);
    if (!entries) return 0;
    let sum = 0;
    for (const [id, e] of entries) {
      if (now - e.at > this.ttlMs) entries.delete(id);
      else sum += e.amount;
    }
    if (entries.size === 0) this.byCustomer.delete(customer);
    return sum;
  }

  hold(customer: string, id: string, amount: number, now: number): void {
    let entries = this.byCustomer.get(customer);
    if (!entries) this.byCustomer.set(customer, (entries = new Map()));
    entries.set(id, { amount, at: now });
  }

  settle(customer: string, id: string, amount: number, now: number): void {
    const entries = this.byCustomer.get(customer);
    if (entries?.has(id)) entries.set(id, { amount, at: now });
  }

  drop(customer: string, id: string): void {
    const entries = this.byCustomer.get(customer);
    if (!entries) return;
    entries.delete(id);
    if (entries.size === 0) this.byCustomer.delete(customer);
  }

  /** Customers with entries (for tests and stats). */
  get size(): number {
    return this.byCustomer.size;
  }
}
