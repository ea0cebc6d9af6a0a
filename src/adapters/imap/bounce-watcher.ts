import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { ImapWatcherSettings } from '../../domain/smtp-route.ts';

/**
 * Watches one hotel mailbox over IMAP for bounce reports about messages Rebound sent through the
 * hotel's own server (envelope sender = the hotel's address, so the bounces land there).
 *
 * It only ever reads other mail: the scan runs on an EXAMINEd (read-only) folder and fetches with
 * BODY.PEEK[] (RFC 3501 §6.3.2, §6.4.5), so no flag changes; only messages the injected `classify`
 * calls ours are moved, and only with MOVE (RFC 6851) or UID EXPUNGE (RFC 4315) — a plain EXPUNGE
 * would also purge whatever the hotel had marked \Deleted itself.
 *
 * `classify` is where the analyser and the database come in: it must record what it finds
 * idempotently, because a message whose move failed is classified again on the next run.
 */

/** How far the folder has been read; UIDs are only comparable within one UIDVALIDITY (RFC 3501 §2.3.1.1). */
export interface ImapCursor {
  uidValidity: string;
  lastUid: number;
}

export interface ImapCursorStore {
  load(): Promise<ImapCursor | null>;
  save(cursor: ImapCursor): Promise<void>;
}

export type ClassifyMessage = (raw: Buffer) => Promise<{ ours: boolean }>;

export interface BounceWatcherOptions {
  /** Validated settings with the password opened (decrypted). */
  settings: ImapWatcherSettings;
  classify: ClassifyMessage;
  /** Where the read position is kept between runs; in memory when not given (every run then starts at UID 1). */
  cursorStore?: ImapCursorStore;
  /** Larger messages are not downloaded (a bounce is small; this bounds memory per message). Default 10 MiB. */
  maxMessageBytes?: number;
  /** Messages examined per run at most, so one huge mailbox cannot hold a run for hours. Default 500. */
  batchSize?: number;
  /** Connection, greeting and socket timeout. Default 30 s. */
  timeoutMs?: number;
  /** Extra TLS options (a private CA for the hotel's IMAP server). */
  tls?: ConnectionOptions;
}

export interface MailboxCheckResult {
  /** UIDs looked at in this run. */
  examined: number[];
  /** UIDs moved to `moveTo`. */
  moved: number[];
  /** UIDs of ours that stayed because the server offers neither MOVE nor UIDPLUS. */
  notMoved: number[];
  /** UIDs larger than maxMessageBytes, not classified. */
  tooLarge: number[];
  /** UIDs whose classification failed; they are examined again next run. */
  failed: Array<{ uid: number; error: string }>;
  /** The resolved path of the destination folder, when something was moved. */
  destination: string | null;
  cursor: ImapCursor;
}

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_TIMEOUT_MS = 30_000;

export function memoryCursorStore(initial: ImapCursor | null = null): ImapCursorStore {
  let cursor = initial;
  return {
    load: async () => cursor,
    save: async (next) => {
      cursor = next;
    },
  };
}

function connect(options: BounceWatcherOptions): ImapFlow {
  const { settings } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.tls,
    auth: { user: settings.username, pass: settings.password },
    tls: options.tls,
    logger: false,
    // Never IDLE on its own between our commands: every run is a short, bounded session.
    disableAutoIdle: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 4,
  });
  // imapflow emits 'error' besides rejecting the pending command; unhandled it would crash the worker.
  client.on('error', () => {});
  return client;
}

function samePath(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((segment, i) => (i === 0 && segment.toUpperCase() === 'INBOX' ? b[i]!.toUpperCase() === 'INBOX' : segment === b[i]));
}

/**
 * The configured destination is written with "/" ("Rebound/Bounces"); servers use their own
 * hierarchy delimiter (Dovecot's Maildir++ uses "."), so match and create by segments.
 */
async function ensureFolder(client: ImapFlow, configured: string): Promise<string> {
  const wanted = configured.split('/').filter(Boolean);
  const folders = await client.list();
  const existing = folders.find((f) => samePath(f.delimiter ? f.path.split(f.delimiter) : [f.path], wanted));
  if (existing) return existing.path;
  const created = await client.mailboxCreate(wanted);
  // So the hotel sees the folder in its mail client.
  await client.mailboxSubscribe(created.path).catch(() => undefined);
  return created.path;
}

/** One pass over the folder: classify what is new, move what is ours. */
export async function checkMailboxOnce(options: BounceWatcherOptions): Promise<MailboxCheckResult> {
  const { settings, classify } = options;
  const store = options.cursorStore ?? memoryCursorStore();
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: MailboxCheckResult = { examined: [], moved: [], notMoved: [], tooLarge: [], failed: [], destination: null, cursor: { uidValidity: '', lastUid: 0 } };

  const client = connect(options);
  await client.connect();
  try {
    const folder = await client.mailboxOpen(settings.folder, { readOnly: true });
    const uidValidity = String(folder.uidValidity);
    const saved = await store.load();
    const lastUid = saved && saved.uidValidity === uidValidity ? saved.lastUid : 0;
    result.cursor = { uidValidity, lastUid };

    const candidates: Array<{ uid: number; size: number }> = [];
    if (folder.exists > 0) {
      // "n:*" always matches the highest UID even when it is below n (RFC 3501 §6.4.8), hence the filter.
      for await (const message of client.fetch(`${lastUid + 1}:*`, { uid: true, size: true }, { uid: true })) {
        if (message.uid > lastUid) candidates.push({ uid: message.uid, size: message.size ?? 0 });
      }
    }
    candidates.sort((a, b) => a.uid - b.uid);

    const ours: number[] = [];
    let advanceTo = lastUid;
    let blocked = false;
    for (const { uid, size } of candidates.slice(0, batchSize)) {
      result.examined.push(uid);
      if (size > maxBytes) {
        result.tooLarge.push(uid);
      } else {
        try {
          // fetchOne asks for BODY.PEEK[]: reading does not set \Seen.
          const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          const raw = message && message.source ? message.source : null;
          if (!raw) throw new Error('the server returned no message source');
          if ((await classify(raw)).ours) ours.push(uid);
        } catch (err) {
          result.failed.push({ uid, error: err instanceof Error ? err.message : String(err) });
          blocked = true; // the cursor stays before it, so it is examined again next run
        }
      }
      if (!blocked) advanceTo = uid;
    }

    if (ours.length) {
      const canMoveSafely = client.capabilities.has('MOVE') || client.capabilities.has('UIDPLUS');
      if (!canMoveSafely) {
        result.notMoved.push(...ours);
      } else {
        const destination = await ensureFolder(client, settings.moveTo);
        result.destination = destination;
        const writable = await client.mailboxOpen(settings.folder);
        if (String(writable.uidValidity) !== uidValidity) {
          // The folder was recreated between scan and move; the UIDs no longer name the same messages.
          result.notMoved.push(...ours);
          advanceTo = 0;
        } else {
          const moved = await client.messageMove(ours.join(','), destination, { uid: true });
          if (moved) result.moved.push(...ours);
          else result.notMoved.push(...ours);
        }
      }
    }

    result.cursor = { uidValidity, lastUid: advanceTo };
    await store.save(result.cursor);
    return result;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export interface BounceWatcher {
  /** Runs a check now (or waits for the running one) and returns its result. */
  checkNow(): Promise<MailboxCheckResult>;
  stop(): Promise<void>;
}

/**
 * Polls the mailbox every `intervalMs` (default 60 s); runs never overlap. Failures go to `onError`
 * and the next run tries again.
 */
export function startBounceWatcher(
  options: BounceWatcherOptions & { intervalMs?: number; onError?: (err: unknown) => void; onResult?: (result: MailboxCheckResult) => void },
): BounceWatcher {
  const intervalMs = options.intervalMs ?? 60_000;
  const cursorStore = options.cursorStore ?? memoryCursorStore();
  let running: Promise<MailboxCheckResult> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const run = (): Promise<MailboxCheckResult> => {
    running ??= checkMailboxOnce({ ...options, cursorStore })
      .then((result) => {
        options.onResult?.(result);
        return result;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      run()
        .catch((err) => options.onError?.(err))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    checkNow: run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
