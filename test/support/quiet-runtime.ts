/** Keeps worker logs to warnings and errors so test output shows what matters. Runs before each test file. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
