import { describe, expect, test } from 'bun:test';
import { parseTemplate, renderMessages, variableText } from '../../../src/modules/prompts/template.ts';
import { ValidationError } from '../../../src/errors.ts';
import type { ChatMessage } from '../../../src/schemas/openai.ts';

function caught(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('parseTemplate', () => {
  test('lists variables in order of first use, across messages and text parts', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are {{ persona }}. Speak {{language}}.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: '{{question}} in {{language}}' },
          { type: 'image_url', image_url: { url: 'http://x/{{not_a_var_in_image}}' } },
        ],
      },
      { role: 'assistant', content: null },
    ];
    expect(parseTemplate(messages)).toEqual(['persona', 'language', 'question']);
  });

  test('messages without placeholders have no variables', () => {
    expect(parseTemplate([{ role: 'user', content: 'plain { braces } and }' }])).toEqual([]);
  });

  test('bad names, unclosed and stray braces are 422s naming the field', () => {
    const e = caught(() =>
      parseTemplate([
        { role: 'system', content: 'ok {{fine}}' },
        { role: 'user', content: 'Hi {{first name}}' },
        { role: 'user', content: [{ type: 'text', text: 'open {{name' }] },
        { role: 'user', content: 'close name}}' },
        { role: 'user', content: '{{1st}}' },
        { role: 'user', content: '{{}}' },
      ]),
    );
    expect(Object.keys(e.errors).sort()).toEqual([
      'messages.1.content',
      'messages.2.content.0.text',
      'messages.3.content',
      'messages.4.content',
      'messages.5.content',
    ]);
    expect(e.errors['messages.1.content']?.[0]).toContain("'{{first name}}'");
    expect(e.errors['messages.2.content.0.text']?.[0]).toContain('unclosed');
    expect(e.errors['messages.3.content']?.[0]).toContain('stray');
  });
});

describe('renderMessages', () => {
  const template: ChatMessage[] = [
    { role: 'system', content: 'You are {{persona}}.' },
    { role: 'user', content: [{ type: 'text', text: 'Q: {{ question }} ({{persona}})' }] },
  ];

  test('fills every placeholder and leaves the template untouched', () => {
    const out = renderMessages(template, { persona: 'a pirate', question: 'Where is the gold?' });
    expect(out).toEqual([
      { role: 'system', content: 'You are a pirate.' },
      { role: 'user', content: [{ type: 'text', text: 'Q: Where is the gold? (a pirate)' }] },
    ]);
    expect(template[0]?.content).toBe('You are {{persona}}.');
  });

  test('a missing variable is a 422 naming prompt.variables.<name>, each one', () => {
    const e = caught(() => renderMessages(template, {}));
    expect(Object.keys(e.errors)).toEqual(['prompt.variables.persona', 'prompt.variables.question']);
    expect(e.status).toBe(422);
  });

  test('extra variables are ignored', () => {
    const out = renderMessages([{ role: 'user', content: 'Hi {{name}}' }], { name: 'Ada', unused: 'x' });
    expect(out).toEqual([{ role: 'user', content: 'Hi Ada' }]);
  });

  test('values are inserted literally: placeholders inside values are not expanded again', () => {
    const out = renderMessages([{ role: 'user', content: '{{a}} {{b}}' }], { a: '{{b}}', b: '$&' });
    expect(out[0]?.content).toBe('{{b}} $&');
  });

  test('non-string values render as JSON', () => {
    expect(variableText(3)).toBe('3');
    expect(variableText(true)).toBe('true');
    expect(variableText(null)).toBe('null');
    expect(variableText({ a: [1] })).toBe('{"a":[1]}');
    const out = renderMessages([{ role: 'user', content: 'n={{n}}' }], { n: 42 });
    expect(out[0]?.content).toBe('n=42');
  });

  test('a variable named like an Object property must still be given', () => {
    const e = caught(() => renderMessages([{ role: 'user', content: '{{constructor}}' }], {}));
    expect(Object.keys(e.errors)).toEqual(['prompt.variables.constructor']);
  });
});
