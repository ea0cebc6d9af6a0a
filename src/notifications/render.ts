import MailComposer from 'nodemailer/lib/mail-composer/index.js';

/**
 * The mail a hotel receives when a guest message finally failed. Plain words first (what happened,
 * what to do), then the receiving server's error message exactly as received — the line a hotel's IT
 * person or the guest's provider needs.
 */
export type Language = 'de' | 'en';

export const NOTIFICATION_SUBJECT: Record<Language, string> = {
  de: 'E-Mail-Nachricht konnte nicht zugestellt werden',
  en: 'Email message could not be delivered',
};

export interface NotificationFacts {
  language: Language;
  timeZone: string;
  hotelName: string;
  notificationsDomain: string;
  notificationId: string;
  to: string;
  guestAddress: string;
  originalSubject: string;
  originalMessageId: string;
  sentAt: string;
  failedAt: string;
  reference: string | null;
  /** The remote server's text, verbatim. */
  diagnostic: string | null;
  statusCode: string | null;
  replyCode: string | null;
  remoteMta: string | null;
  reason: string;
  explanation: { summary: string; advice: string };
  /** The bounce as received, attached when there is one. */
  bounce: Buffer | null;
}

const LABELS = {
  de: {
    intro: (hotel: string) => `Guten Tag,\n\neine E-Mail von ${hotel} an einen Gast konnte nicht zugestellt werden.`,
    guest: 'Empfänger', subject: 'Betreff', sent: 'Gesendet am', failed: 'Fehlgeschlagen am', reference: 'Referenz',
    what: 'Was ist passiert?', todo: 'Was ist zu tun?',
    serverSaid: 'Fehlermeldung des empfangenden Servers (unverändert):', noText: '(der Server hat keinen Text mitgeschickt)',
    status: 'Status', reply: 'Antwortcode', server: 'Server', reason: 'Grund',
    attached: 'Die Rückmeldung des Servers ist dieser Nachricht als Anhang beigefügt.',
    footer: 'Diese Nachricht wurde automatisch erstellt. Bitte nicht darauf antworten.',
    attachmentName: 'unzustellbar.eml',
  },
  en: {
    intro: (hotel: string) => `Hello,\n\nan email from ${hotel} to a guest could not be delivered.`,
    guest: 'Recipient', subject: 'Subject', sent: 'Sent at', failed: 'Failed at', reference: 'Reference',
    what: 'What happened?', todo: 'What to do?',
    serverSaid: "The receiving server's error message (verbatim):", noText: '(the server sent no text)',
    status: 'Status', reply: 'Reply code', server: 'Server', reason: 'Reason',
    attached: "The server's report is attached to this message.",
    footer: 'This message was generated automatically. Please do not reply.',
    attachmentName: 'undeliverable.eml',
  },
} as const;

/** Creating an Intl.DateTimeFormat costs ~0.4 ms; one per language and time zone is kept. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

export function formatTime(isoTime: string, language: Language, timeZone: string): string {
  const d = new Date(isoTime);
  const key = `${language}|${timeZone}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language === 'de' ? 'de-AT' : 'en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
    });
    if (timeFormats.size < 100) timeFormats.set(key, format);
  }
  return format.format(d);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderNotificationText(f: NotificationFacts): string {
  const L = LABELS[f.language];
  const rows: [string, string][] = [
    [L.guest, f.guestAddress],
    [L.subject, f.originalSubject],
    [L.sent, formatTime(f.sentAt, f.language, f.timeZone)],
    [L.failed, formatTime(f.failedAt, f.language, f.timeZone)],
    ...(f.reference ? [[L.reference, f.reference] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const tech = [
    f.statusCode ? `${L.status}: ${f.statusCode}` : null,
    f.replyCode ? `${L.reply}: ${f.replyCode}` : null,
    f.remoteMta ? `${L.server}: ${f.remoteMta}` : null,
    `${L.reason}: ${f.reason}`,
  ].filter(Boolean).join('   ');
  return [
    L.intro(f.hotelName),
    '',
    ...rows.map(([k, v]) => `${(k + ':').padEnd(width)}${v}`),
    '',
    L.what,
    f.explanation.summary,
    '',
    L.todo,
    f.explanation.advice,
    '',
    L.serverSaid,
    '',
    f.diagnostic ?? L.noText,
    '',
    tech,
    `Message-ID: ${f.originalMessageId}`,
    ...(f.bounce ? ['', L.attached] : []),
    '',
    '-- ',
    L.footer,
    '',
  ].join('\n');
}

export function renderNotificationHtml(f: NotificationFacts): string {
  const L = LABELS[f.language];
  const row = (k: string, v: string) => `<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const intro = L.intro(f.hotelName).split('\n\n').map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  return `<!doctype html><html lang="${f.language}"><head><meta charset="utf-8"><title>${escapeHtml(NOTIFICATION_SUBJECT[f.language])}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Arial,sans-serif;font-size:15px;color:#1f2933;max-width:680px">
${intro}
<table style="border-collapse:collapse;margin:12px 0">
${row(L.guest, f.guestAddress)}
${row(L.subject, f.originalSubject)}
${row(L.sent, formatTime(f.sentAt, f.language, f.timeZone))}
${row(L.failed, formatTime(f.failedAt, f.language, f.timeZone))}
${f.reference ? row(L.reference, f.reference) : ''}
</table>
<h3 style="margin:16px 0 4px">${escapeHtml(L.what)}</h3><p style="margin:0">${escapeHtml(f.explanation.summary)}</p>
<h3 style="margin:16px 0 4px">${escapeHtml(L.todo)}</h3><p style="margin:0">${escapeHtml(f.explanation.advice)}</p>
<h3 style="margin:16px 0 4px">${escapeHtml(L.serverSaid)}</h3>
<pre style="white-space:pre-wrap;word-break:break-word;background:#f4f5f7;border-left:3px solid #c0392b;padding:8px 12px;font-size:13px">${escapeHtml(f.diagnostic ?? L.noText)}</pre>
<p style="color:#52606d;font-size:13px">${escapeHtml([
    f.statusCode ? `${L.status}: ${f.statusCode}` : '', f.replyCode ? `${L.reply}: ${f.replyCode}` : '',
    f.remoteMta ? `${L.server}: ${f.remoteMta}` : '', `${L.reason}: ${f.reason}`].filter(Boolean).join(' · '))}<br>Message-ID: ${escapeHtml(f.originalMessageId)}</p>
${f.bounce ? `<p style="color:#52606d;font-size:13px">${escapeHtml(L.attached)}</p>` : ''}
<p style="color:#7b8794;font-size:12px">${escapeHtml(L.footer)}</p>
</body></html>`;
}

/** Builds the complete MIME notification. Its Message-ID is derived from the notification id, so a resend is recognisable. */
export async function renderNotification(f: NotificationFacts): Promise<Buffer> {
  const composer = new MailComposer({
    from: { name: f.language === 'de' ? 'E-Mail-Zustellung' : 'Email delivery', address: `bounces@${f.notificationsDomain}` },
    to: f.to,
    subject: NOTIFICATION_SUBJECT[f.language],
    messageId: `<${f.notificationId}@${f.notificationsDomain}>`,
    date: new Date(f.failedAt),
    headers: {
      // RFC 3834 §5: machine-generated; keeps auto-responders and our own listener from answering it.
      'Auto-Submitted': 'auto-generated',
      // Exchange/Outlook: no out-of-office or read receipts back to bounces@.
      'X-Auto-Response-Suppress': 'All',
      References: f.originalMessageId,
    },
    text: renderNotificationText(f),
    html: renderNotificationHtml(f),
    attachments: f.bounce ? [{ filename: LABELS[f.language].attachmentName, content: f.bounce, contentType: 'message/rfc822', contentDisposition: 'attachment' }] : [],
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return await composer.compile().build();
}
