/**
 * One installer at a time per tool: test files starting in parallel, or a test run beside CI's
 * install step, must not start a second 12-minute build. The lock is a directory (mkdir is atomic)
 * holding the owner's pid; a lock whose owner died is taken over.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function withInstallLock<T>(dir: string, name: string, timeoutMs: number, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, `.${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(holder) || !isAlive(holder)) {
      // A pid file not yet written looks like a dead owner: give a fresh lock a moment first.
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs).catch(() => Date.now()));
      if (age > 5_000) await rm(lock, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for another process's install (lock ${lock}); remove it if no install is running`);
    log(`another process is installing (${name}); waiting for it`);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
  try {
    return await body();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
