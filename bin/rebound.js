#!/usr/bin/env node
// Rebound runs its TypeScript sources directly through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`rebound parse --jsonl DIR | head`) closes the pipe: end quietly, as
// Unix filters do, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
