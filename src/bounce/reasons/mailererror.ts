import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-mailererror.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case. A local delivery program (procmail, maildrop, a pipe) on the
// guest's server failed; a Diagnostic-Type of X-Unix also leads here (classify.ts).

export default Object.freeze({
  id: 'mailererror',
  fragments: Object.freeze([
    ' || exit ',
    'procmail: ',
    'bin/procmail',
    'bin/maidrop',
    'command failed: ',
    'command died with status ',
    'command output:',
    'mailer error',
    'pipe to |/',
    'x-unix; ',
  ]),
  aligned: Object.freeze([]),
  explain: Object.freeze({
    de: Object.freeze({
      summary: 'Das Zustellprogramm auf dem Mailserver des Gastes ist mit einem Fehler abgebrochen.',
      advice: 'Später erneut senden; bleibt der Fehler, den Gast telefonisch informieren – sein Anbieter muss das Problem beheben.',
    }),
    en: Object.freeze({
      summary: "The delivery program on the guest's mail server stopped with an error.",
      advice: "Send again later; if it persists, tell the guest by phone – the guest's provider has to fix it.",
    }),
  }),
}) satisfies ReasonModule;
