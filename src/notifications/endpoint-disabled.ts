import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Language } from './render.ts';

/**
 * The mail a hotel receives when Rebound stops posting to one of its webhook endpoints because every
 * post has failed for REBOUND_WEBHOOK_DISABLE_AFTER_HOURS: the PMS is no longer told about bounces,
 * so someone must look at it.
 */
export interface EndpointDisabledFacts {
  language: Language;
  hotelName: string;
  notificationsDomain: string;
  notificationId: string;
  to: string;
  endpointId: string;
  url: string;
  failingSince: string;
  disabledAt: string;
  lastError: string | null;
}

const TEXT = {
  de: {
    subject: 'Webhook-Endpunkt deaktiviert',
    body: (f: EndpointDisabledFacts) => [
      'Guten Tag,',
      '',
      `Rebound konnte seit ${f.failingSince} keine Ereignisse mehr an den Webhook-Endpunkt von ${f.hotelName} zustellen`,
      `und hat ihn deshalb am ${f.disabledAt} deaktiviert. Ihre Hotelsoftware erfährt bis auf Weiteres nichts mehr`,
      'über zugestellte oder unzustellbare Nachrichten.',
      '',
      `Endpunkt: ${f.url} (${f.endpointId})`,
      `Letzter Fehler: ${f.lastError ?? '—'}`,
      '',
      'Bitte prüfen Sie den Endpunkt (oder lassen Sie ihn von Ihrem Softwareanbieter prüfen) und aktivieren Sie ihn',
      `danach wieder: PATCH /v1/webhook-endpoints/${f.endpointId} mit {"enabled": true}.`,
    ].join('\n'),
  },
  en: {
    subject: 'Webhook endpoint disabled',
    body: (f: EndpointDisabledFacts) => [
      'Hello,',
      '',
      `Rebound has not been able to deliver events to the webhook endpoint of ${f.hotelName} since ${f.failingSince}`,
      `and disabled it at ${f.disabledAt}. Your hotel software is no longer told about delivered or undeliverable messages.`,
      '',
      `Endpoint: ${f.url} (${f.endpointId})`,
      `Last error: ${f.lastError ?? '—'}`,
      '',
      'Please have the endpoint checked, then enable it again:',
      `PATCH /v1/webhook-endpoints/${f.endpointId} with {"enabled": true}.`,
    ].join('\n'),
  },
} as const;

export async function renderEndpointDisabled(f: EndpointDisabledFacts): Promise<Buffer> {
  const t = TEXT[f.language];
  const composer = new MailComposer({
    from: { name: f.language === 'de' ? 'E-Mail-Zustellung' : 'Email delivery', address: `bounces@${f.notificationsDomain}` },
    to: f.to,
    subject: t.subject,
    messageId: `<${f.notificationId}@${f.notificationsDomain}>`,
    date: new Date(f.disabledAt),
    // RFC 3834 §5: machine-generated, so no auto-reply comes back.
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    text: t.body(f),
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return await composer.compile().build();
}
