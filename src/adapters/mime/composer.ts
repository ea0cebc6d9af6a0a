import { Worker } from 'node:worker_threads';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';

/**
 * Turns a message (nodemailer MailComposer options, plain data) into its RFC 5322 bytes.
 *
 * Composition is the largest piece of CPU the API spends on a message (header encoding, MIME tree,
 * quoted-printable/base64 — ~0.3 ms for a short confirmation), so by default it runs on a thread of
 * its own (REBOUND_COMPOSE_THREADS, default 1; 0 = on the event loop): the event loop keeps
 * answering HTTP and writing the database while a second core composes. Options are copied to the
 * thread and the bytes back (structured clone); a thread that dies fails only the compositions in
 * flight (the API answers 500, nothing was stored) and is replaced on the next request.
 */
export interface Composer {
  compose(options: ComposeOptions): Promise<Buffer>;
  close(): Promise<void>;
}

/** MailComposer options without file or URL access; attachment content as base64 text. */
export type ComposeOptions = Omit<Mail.Options, 'attachments'> & {
  attachments?: { filename: string; content: string; encoding: 'base64'; contentType?: string; contentDisposition?: 'attachment' | 'inline' }[];
};

const locked = (o: ComposeOptions) => ({ ...o, disableFileAccess: true, disableUrlAccess: true });

export function createComposer(threads: number): Composer {
  if (threads <= 0) {
    return {
      compose: (options) => new MailComposer(locked(options) as Mail.Options).compile().build(),
      close: async () => {},
    };
  }
  return new ThreadComposer(threads);
}

interface Pending { resolve(b: Buffer): void; reject(e: Error): void }

class ThreadComposer implements Composer {
  private readonly workers: (Worker | null)[];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  /** Compositions in flight per thread. */
  private readonly inflight: number[];
  private nextId = 1;
  private turn = 0;
  private closed = false;

  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => null);
    this.inflight = this.workers.map(() => 0);
  }

  compose(options: ComposeOptions): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('composer closed'));
    const index = this.turn++ % this.workers.length;
    const worker = this.workers[index] ?? this.spawn(index);
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: index });
      // Work in flight keeps the process alive; an idle thread does not.
      if (this.inflight[index]++ === 0) worker.ref();
      worker.postMessage({ id, options: locked(options) });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w?.terminate()));
  }

  private spawn(index: number): Worker {
    const worker = new Worker(new URL('./compose-worker.mjs', import.meta.url));
    worker.unref();
    worker.on('message', (m: { id: number; raw?: Uint8Array; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (--this.inflight[index]! === 0) worker.unref();
      if (m.raw) p.resolve(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength));
      else p.reject(new Error(`MIME composition failed: ${m.error}`));
    });
    const fail = (err: Error) => {
      if (this.workers[index] !== worker) return;
      this.workers[index] = null;
      this.inflight[index] = 0;
      for (const [id, p] of this.pending) {
        if (p.worker !== index) continue;
        this.pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the MIME composition thread exited (code ${code})`)));
    this.workers[index] = worker;
    return worker;
  }
}
