/**
 * A work unit as authored: a job, its work packet and micro-tasks, the files it needs, how it is
 * verified, and where its context comes from. A file (`.ctxpack/work-units/*.yaml`) or an object.
 */
import { z } from 'zod';
import { Id, WorkspacePath } from './common.js';

export const TITLE_MAX_CHARS = 200;
export const ARGV_MAX_CHARS = 4096;
export const ACCEPTANCE_MAX_CHARS = 2000;

export const MicroTask = z.strictObject({
  id: Id,
  title: z.string().trim().min(1).max(TITLE_MAX_CHARS),
});

/** `.` (the workspace root) or a workspace path. */
export const WorkingDirectory = z.union([z.literal('.'), WorkspacePath]);

export const VerificationCommand = z.strictObject({
  /** Run without a shell: argv[0] is the program. */
  argv: z.array(z.string().min(1).max(ARGV_MAX_CHARS)).min(1).max(256),
  cwd: WorkingDirectory,
  timeout_seconds: z.number().int().min(1).max(3600),
});

/** How a micro-task is verified: the commands to run and what must hold. */
export const VerificationContract = z.strictObject({
  commands: z.array(VerificationCommand).max(50),
  acceptance: z.string().trim().min(1).max(ACCEPTANCE_MAX_CHARS),
});
export type VerificationContract = z.infer<typeof VerificationContract>;

export const ContextSourceInput = z.strictObject({
  path: WorkspacePath,
  /**
   * `notes`: Markdown with `# Synopsis`, `## Facts`, `## Constraints`, `## Open loops`, `## Anchors`
   * sections of bullets; `items`: a YAML/JSON context items file (see `context-items.ts`).
   */
  kind: z.enum(['notes', 'items']),
});

function workUnitShape<P extends z.ZodType<string>>(path: P) {
  return {
    schema_version: z.literal(1),
    job_id: Id,
    work_packet_id: Id,
    micro_tasks: z.array(MicroTask).min(1, { error: 'a work unit needs at least one micro-task' }).max(500),
    required_files: z.array(path).max(10_000).default([]),
    verification: VerificationContract,
    context_sources: z.array(ContextSourceInput).max(1000).default([]),
  };
}

// Sets must not repeat: a repeat is an authoring mistake (or padding) and is reported, never merged.
function noRepeats(unit: { micro_tasks: readonly { id: string }[]; required_files: readonly string[]; context_sources: readonly { path: string }[] }, ctx: z.RefinementCtx): void {
  const duplicates = (values: readonly string[], at: (index: number) => (string | number)[], what: string) => {
    const first = new Map<string, number>();
    values.forEach((value, index) => {
      const earlier = first.get(value);
      if (earlier === undefined) first.set(value, index);
      else ctx.addIssue({ code: 'custom', path: at(index), message: `repeats entry [${earlier}] (rule duplicate-${what}); remove one` });
    });
  };
  duplicates(unit.micro_tasks.map((task) => task.id), (i) => ['micro_tasks', i, 'id'], 'micro-task-id');
  duplicates(unit.required_files, (i) => ['required_files', i], 'required-file');
  duplicates(unit.context_sources.map((source) => source.path), (i) => ['context_sources', i, 'path'], 'context-source');
}

/** A work-unit file, the input of a work-unit pack. */
export const WorkUnitDefinition = z.strictObject(workUnitShape(WorkspacePath)).superRefine(noRepeats);
export type WorkUnitDefinition = z.infer<typeof WorkUnitDefinition>;

/**
 * {@link WorkUnitDefinition} for a value whose required files were all checked in bulk to be plain
 * paths (`isPlainPath`, which implies the path rules): the same schema without the per-entry path
 * check. Only for that case; its output equals WorkUnitDefinition's.
 * @internal
 */
export const PlainWorkUnitDefinition = z.strictObject(workUnitShape(z.string())).superRefine(noRepeats);
