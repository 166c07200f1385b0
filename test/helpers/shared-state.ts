/** Fixtures for the shared-state tests. */
import type { Range } from '../../src/lib/periods.ts';
import type { CacheEntry } from '../../src/routing/cache.ts';
import { subjectKey } from '../../src/store/budget-rule.ts';
import type { BudgetSubject, CommittedSpendSource } from '../../src/store/state-types.ts';

/** Committed spend as the database has it: a read returns what was committed when it began. */
export class FakeSpend implements CommittedSpendSource {
  private readonly rows: { key: string; timestamp: number; billed: number }[] = [];
  reads = 0;
  delayMs = 0;
  /** Runs once, as the next read begins, after it has taken its snapshot. */
  onNextRead: (() => void) | null = null;

  add(subject: BudgetSubject, timestamp: number, billed: number): void {
    this.rows.push({ key: subjectKey(subject), timestamp, billed });
  }

  async billed(subject: BudgetSubject, window: Range | null): Promise<number> {
    this.reads++;
    const key = subjectKey(subject);
    let sum = 0;
    for (const r of this.rows) {
      if (r.key === key && (window === null || (r.timestamp >= window.start && r.timestamp < window.end))) sum += r.billed;
    }
    const hook = this.onNextRead;
    this.onNextRead = null;
    hook?.();
    if (this.delayMs > 0) await Bun.sleep(this.delayMs);
    return sum;
  }
}

/** A chat answer; `parts` more pieces of text make it as large as a long streamed answer. */
export function cacheEntry(text: string, parts = 0): CacheEntry {
  const id = `chatcmpl-${text.length}`;
  const content = text + Array.from({ length: parts }, (_, i) => ` part ${i}`).join('');
  return {
    body: {
      kind: 'chat',
      chat: {
        id,
        object: 'chat.completion',
        created: 1,
        model: 'gpt-test',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      },
    },
    model: 'gpt-test',
    provider: 'openai',
    storedAt: 1,
  };
}

/** Waits until `check` holds or `timeoutMs` passed. */
export async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

