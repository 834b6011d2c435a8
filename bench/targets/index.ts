/** Every benchmark target, in report order. Add a target by appending its module here. */
import { assembly } from './assembly.js';
import { assemblyMemory } from './assembly-memory.js';
import { canonicalHash } from './canonical-hash.js';
import { cliStart } from './cli-start.js';
import { prefixCache } from './prefix-cache.js';
import { scale } from './scale.js';
import { storeLoad } from './store-load.js';
import { temporalTargets } from './temporal.js';
import { trimScale } from './trim-scale.js';
import type { BenchTarget } from './types.js';

export const TARGETS: readonly BenchTarget[] = [canonicalHash, assembly, temporalTargets, scale, assemblyMemory, storeLoad, trimScale, cliStart, prefixCache];
