/**
 * `{{variable}}` placeholders in prompt messages: finding them, checking their
 * syntax when a version is saved, and filling them when a prompt is called.
 * Placeholders are read in message `content` (a string, or the `text` of text
 * parts); names are letters, digits and underscores, not starting with a digit,
 * with optional spaces inside the braces (`{{ name }}`).
 */
import { ValidationError, type FieldErrors } from '../../errors.ts';
import type { ChatMessage, ContentPart } from '../../schemas/openai.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

interface TextSlot {
  /** Field path for error messages, e.g. `messages.1.content.0.text`. */
  path: string;
  text: string;
}

/** The text of a text part; null for images and other parts. */
function partText(part: ContentPart): string | null {
  return part.type === 'text' && 'text' in part && typeof part.text === 'string' ? part.text : null;
}

function textSlots(messages: readonly ChatMessage[], base: string): TextSlot[] {
  const slots: TextSlot[] = [];
  messages.forEach((m, i) => {
    const c = m.content;
    if (typeof c === 'string') slots.push({ path: `${base}.${i}.content`, text: c });
    else if (Array.isArray(c)) {
      c.forEach((part, j) => {
        const text = partText(part);
        if (text !== null) slots.push({ path: `${base}.${i}.content.${j}.text`, text });
      });
    }
  });
  return slots;
}

/** Syntax problems in one text: bad names, unclosed or stray braces. */
function syntaxErrors(text: string): string[] {
  const errors: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = (m[1] as string).trim();
    if (!NAME.test(name)) {
      errors.push(
        `invalid placeholder '${m[0]}': a variable name is letters, digits and underscores, not starting with a digit`,
      );
    }
  }
  // Whatever braces remain once the well-formed placeholders are removed are unbalanced.
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{')) errors.push("unclosed placeholder: '{{' without a matching '}}'");
  else if (rest.includes('}}')) errors.push("stray '}}' without a matching '{{'");
  return errors;
}

/**
 * Checks the placeholder syntax of a version's messages and returns the
 * variable names in order of first use. Throws a 422 naming each bad field.
 */
export function parseTemplate(messages: readonly ChatMessage[], base = 'messages'): string[] {
  const errors: FieldErrors = {};
  const names: string[] = [];
  for (const slot of textSlots(messages, base)) {
    const problems = syntaxErrors(slot.text);
    if (problems.length > 0) {
      errors[slot.path] = problems;
      continue;
    }
    for (const m of slot.text.matchAll(PLACEHOLDER)) {
      const name = (m[1] as string).trim();
      if (!names.includes(name)) names.push(name);
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return names;
}

/** A variable's value as text: strings as they are, anything else as JSON. */
export function variableText(value: unknown): string {
  if (typeof value === 'string') return value;
  const encoded = JSON.stringify(value);
  return encoded === undefined ? String(value) : encoded;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, inner: string) => values[inner.trim()] ?? whole);
}

/**
 * Fills every placeholder. Missing variables are a 422 naming each as
 * `prompt.variables.<name>`; variables the messages do not use are ignored.
 * The input is not modified.
 */
export function renderMessages(
  messages: readonly ChatMessage[],
  variables: Readonly<Record<string, unknown>>,
): ChatMessage[] {
  const needed = parseTemplate(messages);
  const missing = needed.filter((n) => !Object.hasOwn(variables, n));
  if (missing.length > 0) {
    const errors: FieldErrors = {};
    for (const n of missing) errors[`prompt.variables.${n}`] = [`missing variable '${n}' used by the prompt`];
    throw new ValidationError(errors);
  }
  const values: Record<string, string> = {};
  for (const n of needed) values[n] = variableText(variables[n]);
  return messages.map((m) => {
    const c = m.content;
    if (typeof c === 'string') return { ...m, content: fill(c, values) };
    if (Array.isArray(c)) {
      return {
        ...m,
        content: c.map((part) => {
          const text = partText(part);
          return text === null ? part : { ...part, text: fill(text, values) };
        }),
      };
    }
    return { ...m };
  });
}
