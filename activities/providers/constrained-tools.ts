/**
 * Tool calls for local models that ignore `tools` (base models, small instruct models): the
 * OpenAI-compatible adapter constrains the answer instead, so the model can only produce
 *
 *     {"name": "<an allowed tool>", "arguments": {<exactly that tool's required string arguments>}}
 *
 * either as a GBNF grammar (llama.cpp's `grammar` request field) or as a JSON schema
 * (`response_format`, which llama.cpp, vLLM and LM Studio turn into a grammar themselves). Both are
 * derived from the pack's allowed tools and the fixed argument schemas in tool-schemas.ts: a tool the
 * pack does not allow has no alternative in the grammar, so sampling cannot produce it.
 *
 * One call per answer: the workflow iterates, and a small model asked for a list tends to repeat
 * itself. The constraint narrows what the model can say; it grants nothing. The parsed call still
 * goes through the tool gate like every other provider's.
 */
import { z } from 'zod';
import { ProviderError, type ToolCall } from './model-provider.js';
import { toToolCall, type ToolSchema } from './tool-schemas.js';

/** JSON text for a string literal inside a GBNF string literal: `"read_file"` becomes `"\"read_file\""`. */
function literal(text: string): string {
  return JSON.stringify(JSON.stringify(text));
}

/**
 * The GBNF grammar admitting exactly one call to one of `tools`. Whitespace between tokens is
 * bounded, so a model cannot spend its whole answer budget on blanks; paths are limited to the
 * characters a workspace path may hold, at most 120 (the gate re-checks them; the bound keeps a
 * path-only call within a small answer budget); other strings are any JSON string.
 */
export function toolCallGrammar(tools: readonly ToolSchema[]): string {
  if (tools.length === 0) throw new Error('toolCallGrammar: no tools to constrain to');
  const lines = [`root ::= ${tools.map((_, index) => `call${index}`).join(' | ')}`];
  tools.forEach((tool, index) => {
    lines.push(`call${index} ::= "{" ws ${literal('name')} ws ":" ws ${literal(tool.name)} ws "," ws ${literal('arguments')} ws ":" ws args${index} ws "}"`);
    const members = tool.parameters.required.map((key) => `${literal(key)} ws ":" ws ${key === 'path' ? 'path' : 'string'}`);
    lines.push(`args${index} ::= "{" ws ${members.length > 0 ? `${members.join(' ws "," ws ')} ws ` : ''}"}"`);
  });
  lines.push(
    'path ::= "\\"" [A-Za-z0-9._/-]{1,120} "\\""',
    'string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} ) )* "\\""',
    'ws ::= [ \\t\\n]{0,8}',
  );
  return `${lines.join('\n')}\n`;
}

/** The JSON schema for the same answers, for servers that take `response_format` rather than a grammar. */
export function toolCallJsonSchema(tools: readonly ToolSchema[]): Record<string, unknown> {
  if (tools.length === 0) throw new Error('toolCallJsonSchema: no tools to constrain to');
  return {
    anyOf: tools.map((tool) => ({
      type: 'object',
      properties: {
        name: { const: tool.name },
        arguments: {
          type: 'object',
          properties: Object.fromEntries(tool.parameters.required.map((key) => [key, { type: 'string', ...(key === 'path' ? { pattern: '^[A-Za-z0-9._/-]{1,120}$' } : {}) }])),
          required: [...tool.parameters.required],
          additionalProperties: false,
        },
      },
      required: ['name', 'arguments'],
      additionalProperties: false,
    })),
  };
}

/** What a constrained answer must be; anything else means the server ignored the constraint. */
const ConstrainedCall = z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) });

/**
 * The call in a constrained answer's content. A name outside the pack is passed on as it is, for
 * the gate to deny and record (a server that does not enforce the grammar must not be trusted).
 *
 * @throws ProviderError 'bad-response' when the content is not one `{name, arguments}` object; the
 * message never quotes the content (it may hold file content).
 */
export function parseConstrainedCall(providerId: string, content: string): ToolCall {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new ProviderError(`provider "${providerId}" answered a constrained tool call that is not valid JSON (did the server ignore the grammar?)`, 'bad-response', false);
  }
  const parsed = ConstrainedCall.safeParse(value);
  if (!parsed.success) {
    throw new ProviderError(`provider "${providerId}" answered a constrained tool call that is not {"name", "arguments"}`, 'bad-response', false);
  }
  return toToolCall(providerId, parsed.data.name, parsed.data.arguments);
}
