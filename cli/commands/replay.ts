/**
 * `ctxpack replay`: replay a governed job with the current workflow code, list every model
 * invocation's RoleExecutionIdentity, and with `--show N` print exactly what invocation N's model
 * saw: both packs recovered from the store, re-verified against their hashes, re-rendered, and the
 * render hash checked against the one recorded in history.
 */
import { existsSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { Command } from 'commander';
import { INPUT_LIMITS, readBoundedFile } from '../../shared/engine/bounded-read.js';
import { RenderMismatch } from '../../shared/core/errors.js';
import { shortHash } from '../../shared/engine/hash.js';
import { loadRolePack, loadWorkUnitPack } from '../../shared/engine/pack-io.js';
import { renderModelView } from '../../shared/engine/model-view.js';
import { loadRunArtifact, ProviderSnapshot } from '../../activities/run-artifacts.js';
import { invocations, type InvocationRecord } from '../temporal/history-records.js';
import { WORKFLOW_PRELOAD_MODULES, WORKFLOWS_PATH } from '../../workers/plugin.js';
import { connect } from '../connect.js';
import { ExitCode } from '../../shared/core/failures.js';
import { storeFor } from '../pack-args.js';
import { printJson, style } from '../output.js';
import { bundlerLogger, installSdkLogger } from '../sdk-logs.js';


interface ReplayOptions {
  show?: string;
  store?: string;
  workspace?: string;
  json?: boolean;
}

async function loadHistory(arg: string): Promise<{ history: temporal.api.history.v1.IHistory; workflowId: string }> {
  if (arg.endsWith('.json') && existsSync(arg)) {
    // Bounded like every file the CLI reads: a FIFO or device fails at once (bounded-read.ts).
    const bytes = await readBoundedFile(arg, 'the history file', INPUT_LIMITS.history);
    return { history: historyFromJSON(JSON.parse(bytes.toString('utf8'))), workflowId: arg };
  }
  const target = await connect();
  try {
    return { history: await target.client.workflow.getHandle(arg).fetchHistory(), workflowId: arg };
  } finally {
    await target.close();
  }
}

/** Adds the options and action of `ctxpack replay` to its (already named and described) command. */
export function registerReplay(command: Command): void {
  command
    .argument('<workflow>', 'workflow id, or a history JSON file (temporal workflow show --output json)')
    .option('--show <n>', 'print exactly what invocation n saw (needs the pack store)')
    .option('--store <dir>', 'pack store (file:DIR or DIR)')
    .option('--workspace <dir>', 'workspace whose default store to use')
    .option('--json', 'print one JSON object')
    .action(async (arg: string, options: ReplayOptions) => {
      await installSdkLogger();
      const { history, workflowId } = await loadHistory(arg);
      let replay: { deterministic: boolean; error?: string };
      try {
        await Worker.runReplayHistory({ workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: [...WORKFLOW_PRELOAD_MODULES], logger: bundlerLogger }) }, history, workflowId);
        replay = { deterministic: true };
      } catch (err) {
        replay = { deterministic: false, error: err instanceof Error ? err.message : String(err) };
        process.exitCode = ExitCode.CheckFailed;
      }
      const records = invocations(history);

      if (options.show !== undefined) {
        const n = Number(options.show);
        const record = records.find((r) => r.n === n);
        if (!record) throw new RenderMismatch(`invocation ${options.show} is not in this history (it has ${records.length})`, `pass --show 1..${records.length}`, {});
        const seen = await recover(record, options);
        if (options.json) printJson({ replay, invocation: record.result.identity, messages: seen.messages });
        else {
          process.stdout.write(`invocation ${n}: ${record.input.micro_task} iteration ${record.input.iteration}, ${record.result.identity.role_id} on ${record.result.identity.model}@${record.result.identity.provider}\n`);
          process.stdout.write(`render ${record.result.identity.render_hash} ${style.ok('(re-rendered from the store: identical)')}\n`);
          for (const message of seen.messages) process.stdout.write(`\n----- ${message.role} -----\n${message.content}`);
        }
        return;
      }

      if (options.json) {
        printJson({ replay, invocations: records.map((r) => ({ n: r.n, ...r.result.identity, tool_calls: r.result.tool_calls })) });
        return;
      }
      process.stdout.write(
        replay.deterministic ? `replay ${style.ok('ok')}: the current workflow code reproduces this history\n` : `replay ${style.bad('FAILED')}: ${replay.error}\n`,
      );
      process.stdout.write(`${records.length} model invocation(s)\n`);
      for (const r of records) {
        const id = r.result.identity;
        process.stdout.write(
          `  ${String(r.n).padStart(3)}  ${id.micro_task} #${id.iteration}  ${id.role_id}@${id.role_version}  ${id.model}@${id.provider} (${id.location})  pack ${shortHash(id.work_unit_pack_hash)}  role ${shortHash(id.role_pack_hash)}  render ${shortHash(id.render_hash)}\n`,
        );
      }
    });
}

/** Rebuilds the exact messages of an invocation from the store and checks them against history. */
async function recover(record: InvocationRecord, options: ReplayOptions) {
  const store = storeFor(options);
  const identity = record.result.identity;
  const rolePack = await loadRolePack(store, identity.role_pack_hash);
  const workUnitPack = await loadWorkUnitPack(store, identity.work_unit_pack_hash);
  const { rendering } = await renderModelView(
    { ...identity, micro_task: record.input.micro_task, feedback: record.input.feedback },
    {
      rolePack,
      workUnitPack,
      // A model's RequestFit cuts the feedback that was sent: the stored provider snapshot says how.
      requestFit: async () =>
        (await loadRunArtifact(store, record.input.provider_snapshot_hash, ProviderSnapshot, 'provider snapshot')).entry.models.find((m) => m.id === identity.model)
          ?.request_fit,
    },
  );
  if (rendering.render_hash !== identity.render_hash) {
    throw new RenderMismatch(
      `invocation ${record.n}: re-rendering gives ${rendering.render_hash}, history recorded ${identity.render_hash}`,
      'the renderer changed since this run; check out the version of context-packs that ran it to see its exact messages',
      {},
    );
  }
  return rendering;
}

