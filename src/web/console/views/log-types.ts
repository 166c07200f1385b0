/** Wire types of logs, from the server's own definitions (type-only imports: nothing of the server is bundled). */
import type { LogView } from '../../../modules/logs/view.ts';
import type { Message } from '../messages.tsx';

/** One try of a proxied call (src/routing/engine.ts AttemptRecord; that module's imports are server-only). */
export interface Attempt {
  model: string;
  provider: string;
  status: number;
  duration_ms: number;
  retry: number;
  error?: string;
}

/**
 * A log as `/request-logs/` answers it: the server's own view type, plus the
 * fields a span may carry in its extras (attempts, warnings, the request, a note).
 */
export type Log = Omit<LogView, 'prompt_messages' | 'completion_message'> & {
  prompt_messages?: Message[];
  completion_message?: Message | null;
  note?: string | null;
  attempts?: Attempt[];
  warnings?: string[];
  full_request?: Record<string, unknown>;
};

export interface Page<T> {
  count: number;
  count_exact?: boolean;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The conversation of a log: its prompt messages and the answer. */
export function messagesOf(log: Log): Message[] {
  const out = [...(log.prompt_messages ?? [])];
  if (log.completion_message) out.push(log.completion_message);
  return out;
}
