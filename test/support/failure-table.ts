/**
 * The README's failure table between its markers, and `npm run docs:failures`, which rewrites it
 * from the catalogue (shared/core/failures.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { failureTable } from '../../shared/core/failures.js';

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const START = '<!-- failures:start -->';
const END = '<!-- failures:end -->';

/** The README text between the markers, trimmed; undefined without both markers. */
export function readmeFailureTable(text = readFileSync(README, 'utf8')): string | undefined {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  return start >= 0 && end > start ? text.slice(start + START.length, end).trim() : undefined;
}

export function writeReadmeFailureTable(): void {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} ... ${END} markers`);
  writeFileSync(README, `${text.slice(0, start + START.length)}\n${failureTable()}\n${text.slice(end)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeReadmeFailureTable();
