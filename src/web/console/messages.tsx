/** Chat messages as a conversation: roles, text, images, tool calls and their results. */
import type { ComponentChildren } from 'preact';
import { JsonBlock } from './ui.tsx';

export interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface Message {
  role?: string;
  content?: unknown;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

interface Part {
  type?: string;
  text?: string;
  image_url?: string | { url?: string };
}

function pretty(args: string | undefined): string {
  if (!args) return '';
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

function Content({ content }: { content: unknown }): ComponentChildren {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return <div class="text">{content}</div>;
  if (Array.isArray(content)) {
    return (content as Part[]).map((p) => {
      if (p.type === 'text' || typeof p.text === 'string') return <div class="text">{p.text}</div>;
      if (p.type === 'image_url' || p.image_url) {
        const url = typeof p.image_url === 'string' ? p.image_url : p.image_url?.url;
        return url ? <img class="msg-image" src={url} alt="Image in the message" loading="lazy" /> : null;
      }
      return <JsonBlock value={p} />;
    });
  }
  return <JsonBlock value={content} />;
}

export function MessageView({ m }: { m: Message }) {
  const role = m.role ?? 'message';
  return (
    <div class={`msg role-${role}`}>
      <div class="msg-role">
        {role}
        {m.name ? ` · ${m.name}` : ''}
        {m.tool_call_id ? ` · result of ${m.tool_call_id}` : ''}
      </div>
      <Content content={m.content} />
      {m.tool_calls?.map((c) => (
        <div class="tool-call">
          <div class="tool-name">
            Tool call <code>{c.function?.name ?? c.type}</code>
            {c.id ? <span class="muted"> {c.id}</span> : null}
          </div>
          <pre>{pretty(c.function?.arguments)}</pre>
        </div>
      ))}
    </div>
  );
}

export function Conversation({ messages }: { messages: Message[] }) {
  if (messages.length === 0) return <p class="muted">No messages.</p>;
  return (
    <div class="conversation">
      {messages.map((m) => (
        <MessageView m={m} />
      ))}
    </div>
  );
}
