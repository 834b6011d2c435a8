/**
 * `ctxpack gc`: list (and with `--delete` remove) stored packs no governed job references. Jobs
 * considered: every running one, and every one closed within the retention window, found through
 * visibility; their histories name the packs they bound. Dry run by default.
 *
 * Visibility lags: a job that started a moment ago may not be listed yet. Its packs are safe anyway:
 * binding or storing a pack refreshes its age (PackStore.touch), and nothing younger than the grace
 * window (`--grace-minutes`, default 60) is removed.
 */
import type { Command } from 'commander';
import { GC_GRACE_MS, planGc } from '../../shared/engine/store/gc.js';
import { shortHash } from '../../shared/engine/hash.js';
import { referencedPackHashes } from '../temporal/history-records.js';
import { connect } from '../connect.js';
import { storeFor } from '../pack-args.js';
import { printJson } from '../output.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Adds the options and action of `ctxpack gc` to its (already named and described) command. */
export function registerGc(command: Command): void {
  command
    .option('--store <spec>', 'pack store: file:DIR, DIR or s3://bucket/prefix (default: CTXPACK_STORE, else the workspace\'s)')
    .option('--workspace <dir>', 'workspace whose default store to use')
    .option('--retention-days <days>', 'keep packs of jobs closed, and packs written, within this many days', '7')
    .option(
      '--grace-minutes <minutes>',
      'never remove a pack stored or bound within this many minutes, whatever --retention-days says (covers visibility lag for jobs that just started)',
      String(GC_GRACE_MS / 60_000),
    )
    .option('--delete', 'remove the unreferenced packs (default: only list them)')
    .option('--json', 'print one JSON object')
    .action(async (options: { store?: string; workspace?: string; retentionDays: string; graceMinutes: string; delete?: boolean; json?: boolean }) => {
      const retentionMs = Number(options.retentionDays) * DAY_MS;
      if (!Number.isFinite(retentionMs) || retentionMs < 0) throw new Error('--retention-days must be a number of days');
      const graceMs = Number(options.graceMinutes) * 60_000;
      if (!Number.isFinite(graceMs) || graceMs < 0) throw new Error('--grace-minutes must be a number of minutes');
      const now = new Date();
      const since = new Date(now.getTime() - retentionMs).toISOString();
      const store = storeFor(options);
      const target = await connect();
      const referenced = new Set<string>();
      let jobs = 0;
      try {
        const query = `WorkflowType = 'governedJob' AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`;
        for await (const execution of target.client.workflow.list({ query })) {
          jobs += 1;
          const history = await target.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
          for (const hash of referencedPackHashes(history)) referenced.add(hash);
        }
      } finally {
        await target.close();
      }
      const plan = await planGc(store, referenced, { now, retentionMs, graceMs });
      const deleted: string[] = [];
      if (options.delete) {
        for (const entry of plan.removable) if (await store.delete(entry.hash)) deleted.push(entry.hash);
      }
      if (options.json) {
        printJson({ store: store.describe(), jobs_scanned: jobs, referenced: referenced.size, kept: plan.kept.length, removable: plan.removable, deleted });
        return;
      }
      process.stdout.write(`${store.describe()}: ${jobs} governed job(s) scanned, ${plan.kept.length} pack(s) kept, ${plan.removable.length} unreferenced and older than ${options.retentionDays} day(s)\n`);
      for (const entry of plan.removable) {
        process.stdout.write(`  ${options.delete ? 'deleted' : 'would delete'}  ${shortHash(entry.hash)}  ${entry.bytes} bytes  written ${entry.modifiedAt}\n`);
      }
      if (!options.delete && plan.removable.length > 0) process.stdout.write('dry run: pass --delete to remove them\n');
    });
}
