/**
 * Global setup of the real-model suite: the llama-server build and the model must be there before
 * any test starts. Installs them when missing (minutes: CI does it in an install step first) and
 * throws, failing the whole run, when that is impossible: these tests never skip.
 */
import type { TestProject } from 'vitest/node';
import { resolveLocalModel } from '../../../cli/tools/llama-server.js';
import { LocalModelUnavailable } from '../../../shared/core/errors.js';

declare module 'vitest' {
  export interface ProvidedContext {
    llamaServerPath: string;
    llamaServerVersion: string;
    localModelPath: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  try {
    const { server, model } = await resolveLocalModel({ log: (line) => console.log(`llama-server: ${line}`) });
    project.provide('llamaServerPath', server.path);
    project.provide('llamaServerVersion', server.versionLine);
    project.provide('localModelPath', model.path);
  } catch (err) {
    if (err instanceof LocalModelUnavailable) throw new Error(`the real-model suite needs llama-server and its model: ${err.message}\nfix: ${err.fix}`);
    throw err;
  }
}
