#!/usr/bin/env node
// The `ctxpack` command. Runs the TypeScript sources through tsx so a new user needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
