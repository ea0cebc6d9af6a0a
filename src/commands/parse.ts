/** `rebound parse [--jsonl] FILE|DIR...`: run the bounce analyser over files and print one result per file. */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Analysis } from '../bounce/index.ts';
import { analyse } from '../bounce/index.ts';

interface FileLine {
  file: string;
  kind?: Analysis['kind'];
  originalMessageId?: string | null;
  recipients?: Analysis['recipients'];
  error?: string;
}

/**
 * Files under `path` (recursively, sorted by name), or the path itself, yielded as they are found so
 * output starts at once. Directories are entered once each (by device and inode), so symlink loops
 * end; hidden entries are skipped.
 */
async function* walk(path: string, seen: Set<string>): AsyncGenerator<FileLine | string> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    yield { file: path, error: messageOf(e) };
    return;
  }
  if (!info.isDirectory()) {
    // FIFOs, devices and sockets would block or never end (/dev/zero): refused, not read.
    if (!info.isFile()) yield { file: path, error: 'not a regular file' };
    else yield path;
    return;
  }
  const id = `${info.dev}:${info.ino}`;
  if (seen.has(id)) return;
  seen.add(id);
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (e) {
    yield { file: path, error: messageOf(e) };
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    yield* walk(join(path, name), seen);
  }
}

/** Reads at most `limit` bytes: the analyser looks at no more than its own size limit anyway. */
async function readBounded(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** One byte past the analyser's limit, so it can still tell that the input was cut. */
const READ_LIMIT = 10 * 1024 * 1024 + 1;

function messageOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return 'no such file or directory';
  if (err?.code === 'EACCES') return 'permission denied';
  if (err?.code === 'EISDIR') return 'is a directory';
  return err?.message ?? String(e);
}

function human(line: FileLine): string {
  if (line.error) return `${line.file}: error: ${line.error}\n`;
  const head = `${line.file}: ${line.kind}${line.originalMessageId ? ` (original ${line.originalMessageId})` : ''}`;
  const rows = (line.recipients ?? []).map((r) => {
    const codes = [r.replyCode, r.status].filter(Boolean).join(' ');
    const hard = r.hardBounce ? 'hard' : 'soft';
    const diag = r.diagnosticCode ? `\n      ${r.diagnosticCode.slice(0, 300)}` : '';
    return `  ${r.address}  ${r.action ?? '-'}  ${codes || '-'}  ${r.reason} (${hard}; ${r.decodedBy}, ${r.reasonFrom})${r.remoteMta ? `  via ${r.remoteMta}` : ''}${diag}`;
  });
  return [head, ...rows].join('\n') + '\n';
}

export async function parseCommand(
  paths: string[],
  opts: { jsonl: boolean },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (!paths.length) {
    err.write('usage: rebound parse [--jsonl] FILE|DIR...\n');
    return 2;
  }
  let failed = false;
  for (const path of paths) {
    for await (const item of walk(path, new Set())) {
      let line: FileLine;
      if (typeof item !== 'string') {
        line = item;
      } else {
        try {
          const raw = await readBounded(item, READ_LIMIT);
          // Bounces are small; a larger file is analysed by its start only, and the person is told.
          if (raw.length === READ_LIMIT) err.write(`rebound parse: ${item}: larger than ${(READ_LIMIT - 1) / 1024 / 1024} MiB, only its start was analysed\n`);
          const a = analyse(raw);
          line = { file: item, kind: a.kind, originalMessageId: a.originalMessageId, recipients: a.recipients };
        } catch (e) {
          line = { file: item, error: messageOf(e) };
        }
      }
      if (line.error) failed = true;
      const text = opts.jsonl ? JSON.stringify(line) + '\n' : human(line);
      if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
    }
  }
  return failed ? 1 : 0;
}
