/** `ctxpack swap`: request a model swap or escalation of a running governed job. */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { SwapRefused } from '../../shared/core/errors.js';
import { shortHash } from '../../shared/engine/hash.js';
import type { SwapRequest } from '../../shared/core/schema/governed-job.js';
import { modelSwap, requestModelSwap } from '../../workflows/governed-job.js';
import { connect } from '../connect.js';
import { printJson, printTable } from '../output.js';


interface SwapOptions {
  role: string;
  model: string;
  provider: string;
  reason: 'swap' | 'escalation';
  pin?: string;
  requestId?: string;
  signal?: boolean;
  json?: boolean;
}

/** Adds the options and action of `ctxpack swap` to its (already named and described) command. */
export function registerSwap(command: Command): void {
  command
    .argument('<workflow-id>', 'the governed job')
    .requiredOption('--role <role>', 'target role')
    .requiredOption('--model <model>', 'target model')
    .requiredOption('--provider <provider>', 'provider of the target model')
    .option('--reason <reason>', 'swap | escalation', 'swap')
    .option('--pin <hash>', 'bind this stored work-unit pack (it must still satisfy the role)')
    .option('--request-id <id>', 'idempotency key (default: random)')
    .option('--signal', 'send the fire-and-forget Signal instead of the Update')
    .option('--json', 'print one JSON object')
    .action(async (workflowId: string, options: SwapOptions) => {
      const request: SwapRequest = {
        request_id: options.requestId ?? `cli-${randomUUID()}`,
        target_role: options.role,
        model: options.model,
        provider: options.provider,
        reason: options.reason,
        requester: `ctxpack-cli:${process.env['USER'] ?? 'operator'}`,
        ...(options.pin ? { pinned_pack_hash: options.pin } : {}),
      };
      const target = await connect();
      try {
        const handle = target.client.workflow.getHandle(workflowId);
        if (options.signal) {
          await handle.signal(modelSwap, request);
          if (options.json) printJson({ sent: 'signal', request_id: request.request_id });
          else process.stdout.write(`signal sent (request ${request.request_id}); see \`ctxpack show ${workflowId}\` for the outcome\n`);
          return;
        }
        let result;
        try {
          result = await handle.executeUpdate(requestModelSwap, { args: [request], updateId: request.request_id });
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) {
            const inner = err.cause?.cause;
            const cause = inner instanceof Error ? inner.message : (err.cause?.message ?? err.message);
            throw new SwapRefused(`the job refused the swap: ${cause}`, 'pick a model from the role work profile (ctxpack show), or wait for the swap in progress', {});
          }
          throw err;
        }
        if (options.json) {
          printJson(result);
          return;
        }
        printTable([
          ['seat', `${result.seat.role} ${result.seat.model}@${result.seat.provider}`],
          ['decision', result.decision],
          ['requested', shortHash(result.requested_pack_hash)],
          ['effective', shortHash(result.effective_pack_hash)],
          ['stored at', `${result.context_compile_ref.store}:${result.context_compile_ref.key}`],
          ...(result.freshness_markers.length > 0 ? [['freshness', result.freshness_markers.join(' ')] as [string, string]] : []),
        ]);
      } finally {
        await target.close();
      }
    });
}
