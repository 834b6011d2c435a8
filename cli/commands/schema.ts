/** `ctxpack schema`: write the JSON Schema files generated from the zod schemas. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { jsonSchemas } from '../../shared/core/json-schema.js';

/** Adds the options and action of `ctxpack schema` to its (already named and described) command. */
export function registerSchema(command: Command): void {
  command
    .option('--out <dir>', 'output directory', 'schemas')
    .action(async (options: { out: string }) => {
      await mkdir(options.out, { recursive: true });
      for (const [file, schema] of Object.entries(jsonSchemas())) {
        await writeFile(path.join(options.out, file), `${JSON.stringify(schema, null, 2)}\n`);
        process.stdout.write(`${path.join(options.out, file)}\n`);
      }
    });
}
