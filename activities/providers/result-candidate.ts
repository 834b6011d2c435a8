/**
 * Finding the result in a text answer (completion models, and the content of a chat answer asked for
 * structured output), in this order: the whole text as JSON; the first fenced ```` ```json ```` block;
 * the first balanced `{...}` that parses. Fenced ```` ```tool ```` blocks are tool requests and never
 * a result. Validation is not done here: the activity checks the value against the pack's schema.
 */
import { RESULT_FENCE as RESULT_FENCE_OPEN } from '../../shared/engine/render.js';
import type { ResultCandidate } from './model-provider.js';

// The fences of a completion model's tool requests (completion.ts): here, because a result is never
// read from inside one, and completion.ts reads results through this module.
/** The line that opens a tool request block. */
export const TOOL_FENCE_OPEN = '```tool';
/** The line that closes it. */
export const TOOL_FENCE_CLOSE = '```';

function parse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The text without its tool blocks (their objects are tool requests, not results). */
function withoutToolBlocks(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === TOOL_FENCE_OPEN) {
      const end = lines.indexOf(TOOL_FENCE_CLOSE, i + 1);
      i = end === -1 ? lines.length : end;
    } else out.push(lines[i] as string);
  }
  return out;
}

/** The end (exclusive) of the balanced object starting at `start`, skipping braces inside strings. */
function objectEnd(text: string, start: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i + 1;
  }
  return undefined;
}

/** The result candidate in `text` (see the file comment). */
export function resultFromText(text: string): ResultCandidate {
  const whole = parse(text.trim());
  if (whole.ok) return { value: whole.value };
  const lines = withoutToolBlocks(text.split(/\r?\n/));
  const open = lines.findIndex((line) => line.trim() === RESULT_FENCE_OPEN);
  if (open !== -1) {
    const end = lines.findIndex((line, index) => index > open && line.trim() === TOOL_FENCE_CLOSE);
    if (end === -1) return { problem: `the answer opens a ${RESULT_FENCE_OPEN} block that is never closed` };
    const block = parse(lines.slice(open + 1, end).join('\n'));
    return block.ok ? { value: block.value } : { problem: `the answer's ${RESULT_FENCE_OPEN} block is not valid JSON` };
  }
  const rest = lines.join('\n');
  // Bounded: at most 64 opening braces are tried, so a brace-heavy answer cannot make this quadratic.
  let tries = 0;
  for (let start = rest.indexOf('{'); start !== -1 && tries < 64; start = rest.indexOf('{', start + 1), tries++) {
    const end = objectEnd(rest, start);
    if (end === undefined) break;
    const object = parse(rest.slice(start, end));
    if (object.ok) return { value: object.value };
  }
  return { problem: 'the answer holds no JSON object' };
}
