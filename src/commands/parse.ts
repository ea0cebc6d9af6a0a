/** `rebound parse [--jsonl] FILE|DIR...`: run the bounce analyser over files and print one result per file. */
import { readdir, readFile, stat } from 'node:fs/promises';
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

/** Files under `path` (recursively, sorted by name), or the path itself when it is a file. */
async function expand(path: string, out: string[], errors: FileLine[]): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    errors.push({ file: path, error: messageOf(e) });
    out.push(path);
    return;
  }
  if (!info.isDirectory()) {
    out.push(path);
    return;
  }
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (e) {
    out.push(path);
    return void errors.push({ file: path, error: messageOf(e) });
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    await expand(join(path, name), out, errors);
  }
}

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
    const files: string[] = [];
    const errors: FileLine[] = [];
    await expand(path, files, errors);
    for (const file of files) {
      const known = errors.find((e) => e.file === file);
      let line: FileLine;
      if (known) {
        line = known;
      } else {
        try {
          const raw = await readFile(file);
          const a = analyse(raw);
          line = { file, kind: a.kind, originalMessageId: a.originalMessageId, recipients: a.recipients };
        } catch (e) {
          line = { file, error: messageOf(e) };
        }
      }
      if (line.error) failed = true;
      const text = opts.jsonl ? JSON.stringify(line) + '\n' : human(line);
      if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
    }
  }
  return failed ? 1 : 0;
}
