/**
 * `ctxpack doctor`'s local-model section: is llama-server built for this CPU and is the pinned model
 * in the cache? Only looks, never installs (the build takes minutes), and is informational: the
 * local model is needed by the real-model tests and demo, not by ctxpack itself.
 */
import { resolveLocalModel } from '../tools/llama-server.js';
import { printTable, style } from '../output.js';
import { LocalModelUnavailable } from '../../shared/core/errors.js';

export interface LocalModelReport {
  server: string | null;
  serverVersion: string | null;
  model: string | null;
  modelSha256: string | null;
  error?: string;
  fix?: string;
}

export async function checkLocalModel(env: NodeJS.ProcessEnv = process.env): Promise<LocalModelReport> {
  try {
    const { server, model } = await resolveLocalModel({ install: false, env });
    return { server: server.path, serverVersion: server.versionLine, model: model.path, modelSha256: model.sha256 };
  } catch (err) {
    if (!(err instanceof LocalModelUnavailable)) throw err;
    return { server: null, serverVersion: null, model: null, modelSha256: null, error: err.message, fix: err.fix };
  }
}

export function printLocalModel(report: LocalModelReport): void {
  printTable([
    ['local model', report.server !== null ? `${style.ok('ok')} ${report.serverVersion ?? ''} ${style.dim(report.model ?? '')}` : style.dim('not installed (optional)')],
  ]);
  if (report.error) process.stderr.write(`ctxpack: local model: ${report.error}\n  fix: ${report.fix ?? ''}\n`);
}
