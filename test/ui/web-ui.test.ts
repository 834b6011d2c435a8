/**
 * The Temporal Web UI shows a governed job's packs without opening raw payloads: summary and current
 * details (role, model, pack hash), the memo's swap log, activity summaries, and the search attributes
 * an operator filters the list by. Runs Debian's Chromium through playwright-core; if Chromium is
 * missing this fails loudly (install it with `apt-get install chromium`), it never skips.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requestModelSwap } from '../../workflows/governed-job.js';
import { Worker } from '@temporalio/worker';
import { BIG, GATED_PASSING_SCRIPT, TINY, addFact, jobInput, openGate, setupJob, startJob, swap, waitForState, writeScript } from '../support/governed.js';
import { testTemporal } from '../support/temporal.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const OUTPUT = new URL('../../test-output/ui/', import.meta.url);

let browser: Browser;
let worker: Worker | undefined;
let running: Promise<void> | undefined;
let job: { workflowId: string; runId: string; packHash: string; rolePackHash: string };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH`);
  }
  await mkdir(OUTPUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // A job with a rebuild swap, then done. The worker keeps running: the UI reads current details
  // through a query, which a worker answers.
  const setup = await setupJob('ui');
  await writeScript(setup.dir, GATED_PASSING_SCRIPT);
  const { nativeConnection, namespace } = await testTemporal();
  worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue: setup.taskQueue,
    identity: 'ctxpack-test-worker',
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: setup.activities,
    shutdownGraceTime: '1s',
  });
  running = worker.run();
  const handle = await startJob(setup, jobInput(TINY));
  await waitForState(handle, (s) => s.binding !== null && s.status === 'running');
  await addFact(setup.dir, 'Shown in the UI test.');
  await handle.executeUpdate(requestModelSwap, { args: [swap(BIG, { request_id: 'ui-swap' })] });
  await openGate(setup.dir);
  const result = await handle.result();
  job = {
    workflowId: setup.workflowId,
    runId: (await handle.describe()).runId,
    packHash: result.binding.work_unit_pack_hash,
    rolePackHash: result.binding.role_pack_hash,
  };
}, 120_000);

afterAll(async () => {
  await browser?.close();
  worker?.shutdown();
  await running;
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  // Not 'networkidle': the UI keeps polling a workflow's details, so the network never idles.
  await page.goto(`${inject('temporalUiUrl')}${path}`, { waitUntil: 'domcontentloaded' });
  return page;
}

/** The page's text including its frames: the UI renders markdown summaries in sandboxed iframes. */
async function allText(page: Page): Promise<string> {
  const parts = await Promise.all(page.frames().map((frame) => frame.innerText('body').catch(() => '')));
  return parts.join('\n');
}

const workflowPath = () => `/namespaces/default/workflows/${encodeURIComponent(job.workflowId)}/${job.runId}`;

describe('the Temporal Web UI for a governed job', () => {
  it('shows the summary and the current role, model and pack hash on the User Metadata tab', async () => {
    const page = await open(`${workflowPath()}/user-metadata`);
    // Current details arrive through a query after the page loads.
    await expect.poll(() => allText(page), { timeout: 20_000 }).toContain(job.rolePackHash);
    const text = await allText(page);
    expect(text).toContain('governed job .ctxpack/work-units/wp-7.yaml');
    expect(text).toMatch(/role coder 2\.3\.0 \(strict\)/);
    expect(text).toMatch(/model big-coder-14b @ local-large \(local\)/);
    expect(text).toContain(job.packHash);
    expect(text).toContain('lock write: src/**, test/**; deny: .ctxpack/**, .env, secrets/**');
    await page.screenshot({ path: new URL('user-metadata.png', OUTPUT).pathname });
    await page.close();
  });

  it('shows the swap log with requested and effective pack hashes in the memo', async () => {
    const page = await open(`${workflowPath()}/memo`);
    await page.getByText('swap_log').first().waitFor({ timeout: 20_000 });
    const text = await page.innerText('main');
    expect(text).toContain('"request_id": "ui-swap"');
    expect(text).toContain('"outcome": "rebuilt"');
    expect(text).toContain(`"effective": "${job.packHash}"`);
    await page.screenshot({ path: new URL('memo.png', OUTPUT).pathname });
    await page.close();
  });

  it('shows activity summaries naming the role, model and pack in the event history', async () => {
    const page = await open(`${workflowPath()}/history`);
    await page.getByText(/invoke big-coder-14b as coder/).first().waitFor({ timeout: 20_000 });
    const text = await page.innerText('main');
    expect(text).toMatch(/assemble coder packs/);
    expect(text).toMatch(/swap to coder big-coder-14b@local-large/);
    expect(text).toMatch(/invoke big-coder-14b as coder with sha256:/);
    await page.screenshot({ path: new URL('history.png', OUTPUT).pathname, fullPage: true });
    await page.close();
  });

  it('finds the job in the list by its pack hash and model search attributes', async () => {
    const query = encodeURIComponent(`CtxPackHash="${job.packHash}" AND CtxPackModel="big-coder-14b"`);
    const page = await open(`/namespaces/default/workflows?query=${query}`);
    await page.getByText(job.workflowId).first().waitFor({ timeout: 20_000 });
    expect(await page.innerText('main')).toContain(job.workflowId);
    await page.screenshot({ path: new URL('list.png', OUTPUT).pathname });
    await page.close();
  });
});
