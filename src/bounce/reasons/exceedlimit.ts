import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-exceedlimit.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'exceedlimit',
  fragments: Object.freeze([
    'message header size exceeds limit',
    'message too large',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail überschreitet ein Größenlimit des Postfachs des Gastes.', advice: 'Große Anhänge entfernen oder als Link senden und erneut versuchen.' }),
    en: Object.freeze({ summary: "The message exceeds a size limit of the guest's mailbox.", advice: 'Remove large attachments or send them as a link, then try again.' }),
  }),
}) satisfies ReasonModule;
