/**
 * `ctxpack verify`: re-hash and schema-check a pack from the store or a file; for a work-unit pack,
 * also that the role pack it names is in the store, verifies, and is the role it claims.
 */
import type { Command } from 'commander';
import { ContextPackArtifactCorrupt, CtxPackError, PackSchemaInvalid } from '../../shared/core/errors.js';
import { loadPack, type VerifiedPack } from '../../shared/engine/pack-io.js';
import type { PackStore } from '../../shared/engine/store/index.js';
import { ExitCode } from '../../shared/core/failures.js';
import { loadPackArg, storeFor } from '../pack-args.js';
import { printJson, printTable, style } from '../output.js';

/** The referential checks: a work-unit pack's role pack exists, verifies, and matches its role. */
async function checkReferences(verified: VerifiedPack, store: PackStore): Promise<string | undefined> {
  if (verified.parsed.kind !== 'WorkUnitContextPack') return undefined;
  const unit = verified.parsed.pack;
  let role: VerifiedPack;
  try {
    role = await loadPack(store, unit.role_pack_hash);
  } catch (err) {
    if (err instanceof ContextPackArtifactCorrupt && err.details['reason'] === 'missing') {
      throw new ContextPackArtifactCorrupt(
        `the work-unit pack's role_pack_hash names a role pack that is not in the store (rule role-pack-missing)`,
        'verify against the store the pack was assembled into (--store), or re-run ctxpack assemble',
        { rule: 'role-pack-missing', role_pack_hash: unit.role_pack_hash },
      );
    }
    throw err;
  }
  if (role.parsed.kind !== 'RoleContextPack') {
    throw new PackSchemaInvalid(`the work-unit pack's role_pack_hash names a ${role.parsed.kind} (rule role-pack-kind)`, 're-run ctxpack assemble', {
      rule: 'role-pack-kind',
    });
  }
  const { id, version } = role.parsed.pack.role;
  if (id !== unit.role.id || version !== unit.role.version) {
    throw new PackSchemaInvalid(
      `the work-unit pack says role ${unit.role.id}@${unit.role.version} but its role pack is ${id}@${version} (rule role-mismatch)`,
      're-run ctxpack assemble: the two packs were not built together',
      { rule: 'role-mismatch' },
    );
  }
  return role.hash;
}

/** Adds the options and action of `ctxpack verify` to its (already named and described) command. */
export function registerVerify(command: Command): void {
  command
    .argument('<pack>', 'a pack hash (sha256:...) in the store, or a pack file')
    .option('--expect <hash>', 'the sha256:... hash the pack must have (for a pack file)')
    .option('--store <dir>', 'pack store (file:DIR or DIR); default ./.ctxpack/store or CTXPACK_STORE')
    .option('--workspace <dir>', 'workspace whose default store to use')
    .option('--json', 'print one JSON object')
    .action(async (arg: string, options: { expect?: string; store?: string; workspace?: string; json?: boolean }) => {
      const store = storeFor(options);
      try {
        const verified = await loadPackArg(arg, store, options.expect);
        const rolePack = await checkReferences(verified, store);
        const result = {
          ok: true,
          hash: verified.hash,
          kind: verified.parsed.kind,
          bytes: verified.bytes.length,
          ...(rolePack ? { role_pack: rolePack } : {}),
        };
        if (options.json) printJson(result);
        else
          printTable([
            ['ok', style.ok(`${result.kind} ${result.hash} (${result.bytes} bytes)`)],
            ...(rolePack ? [['role pack', style.ok(`${rolePack} (present, verified, same role)`)] as [string, string]] : []),
          ]);
      } catch (err) {
        if (!(err instanceof CtxPackError)) throw err;
        if (options.json) printJson({ ok: false, code: err.code, error: err.message, fix: err.fix });
        process.stderr.write(`ctxpack: ${err.message}\n  fix: ${err.fix}\n`);
        // A FIFO, a device or an oversized file is a rejected input (exit 3), not a failed check.
        process.exitCode = err.code === 'PackInputRejected' ? ExitCode.InputRejected : ExitCode.CheckFailed;
      }
    });
}
