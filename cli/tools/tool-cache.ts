/**
 * The tool cache: where context-packs keeps what it installs or derives once per machine (the
 * Temporal CLI, MinIO and llama-server builds, the tokenizer's ranks as JSON, Node's compile cache).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { INSTALLED, PACKAGE_ROOT } from './package-root.js';

/**
 * Where installed tools are cached: `CTXPACK_TOOLS_DIR` if set; in a checkout of this repository its
 * `.tools/`; in an installed package the user's cache directory (`$XDG_CACHE_HOME/context-packs`,
 * `~/.cache/context-packs`, `~/Library/Caches/context-packs` on macOS, `%LOCALAPPDATA%` on Windows),
 * never `node_modules`, which the next `npm ci` wipes.
 */
export function defaultToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['CTXPACK_TOOLS_DIR'];
  if (explicit) return path.resolve(explicit);
  return INSTALLED ? userCacheDir(env) : path.join(PACKAGE_ROOT, '.tools');
}

/** The per-user cache folder for context-packs' tools. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') {
    return path.join(env['LOCALAPPDATA'] ?? path.join(homedir(), 'AppData', 'Local'), 'context-packs', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Caches', 'context-packs');
  const xdg = env['XDG_CACHE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.cache'), 'context-packs');
}

