import { analyse, type Reason } from '../bounce/index.ts';

/**
 * Reason for a reply the next hop gave us directly (RCPT/DATA rejection, provider answer). The same
 * analyser rules that read bounce mails decide it, so a "mailbox full" is the same verdict whichever
 * way it reached us: the reply is presented to the analyser as the RFC 3464 report it is equivalent to.
 */
export function classifyReply(input: { address: string; replyCode: string | null; status: string | null; text: string | null; remoteMta: string | null; action: 'failed' | 'delayed' }): { reason: Reason; hardBounce: boolean; status: string | null; reasonFrom: string } {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const status = input.status ?? (input.replyCode ? `${input.replyCode[0]}.0.0` : input.action === 'failed' ? '5.0.0' : '4.0.0');
  const report = [
    'From: MAILER-DAEMON@localhost',
    'To: bounces@localhost',
    'Subject: Delivery Status Notification',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    oneLine(input.text ?? ''),
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; localhost',
    '',
    `Final-Recipient: rfc822; ${input.address}`,
    `Action: ${input.action}`,
    `Status: ${status}`,
    ...(input.remoteMta ? [`Remote-MTA: dns; ${input.remoteMta}`] : []),
    `Diagnostic-Code: smtp; ${oneLine(input.text ?? `${input.replyCode ?? ''} ${status}`)}`,
    '',
    '--b--',
    '',
  ].join('\r\n');
  const verdict = analyse(report).recipients[0];
  if (!verdict) return { reason: 'undefined', hardBounce: false, status: input.status, reasonFrom: 'none' };
  return { reason: verdict.reason, hardBounce: verdict.hardBounce, status: input.status ?? verdict.status, reasonFrom: verdict.reasonFrom };
}
