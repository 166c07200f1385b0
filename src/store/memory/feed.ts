/**
 * Invalidations within one process: every listener is called at publish, in
 * publish order. The Redis feed delivers through one of these too, so a
 * process sees its own changes at once even while Redis is away.
 */
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Invalidation, InvalidationFeed } from '../state-types.ts';

type Listener = (change: Invalidation) => void;

export class MemoryFeed implements InvalidationFeed {
  // Wrapped, so the same function subscribed twice is called twice and unsubscribes once.
  private readonly listeners = new Set<{ fn: Listener }>();

  constructor(private readonly log: Logger = silentLogger) {}

  async publish(change: Invalidation): Promise<void> {
    this.deliver(change);
  }

  /** Calls every listener; one that throws cannot keep the change from the others. */
  deliver(change: Invalidation): void {
    for (const l of this.listeners) {
      try {
        l.fn(change);
      } catch (err) {
        this.log.error('invalidation listener failed', { topic: change.topic, error: String(err) });
      }
    }
  }

  subscribe(listener: Listener): () => void {
    const entry = { fn: listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
