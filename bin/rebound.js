#!/usr/bin/env node
// Rebound runs its TypeScript sources directly through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
// A reader that goes away closes the pipe (EPIPE). The read-only listings (`rebound parse --jsonl DIR
// | head`) then end quietly, as Unix filters do, instead of an unhandled error with a stack trace.
// Every other command carries on without its output: `serve` still drains and records what is in
// flight on SIGTERM, `ingest` still ingests every file and exits with its own status.
const listing = ['parse', 'captured'].includes(process.argv[2] ?? '');
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
    if (listing) process.exit(process.exitCode ?? 0);
  });
}
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
