/**
 * Progress for long commands: one line per step, and a spinner while a step waits (TTY only; in
 * logs and CI each step is a plain line).
 */
import yoctoSpinner from 'yocto-spinner';
import { style } from './output.js';

export async function step<T>(label: string, work: () => Promise<T>, done?: (value: T) => string): Promise<T> {
  const tty = process.stderr.isTTY === true;
  const spinner = tty ? yoctoSpinner({ text: label, stream: process.stderr }).start() : undefined;
  const started = Date.now();
  try {
    const value = await work();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const line = `${label}${done ? `: ${done(value)}` : ''} ${style.dim(`(${seconds}s)`)}`;
    if (spinner) spinner.success(line);
    else process.stderr.write(`✔ ${line}\n`);
    return value;
  } catch (err) {
    if (spinner) spinner.error(label);
    else process.stderr.write(`✖ ${label}\n`);
    throw err;
  }
}
