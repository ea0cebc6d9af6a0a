import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-badreputation.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'badreputation',
  fragments: Object.freeze([
    'a poor email reputation score',
    'has been temporarily rate limited due to ip reputation',
    'ip/domain reputation problems',
    'likely suspicious due to the very low reputation',
    'none/bad reputation',
    'temporarily deferred due to unexpected volume or user complaints',
    "the sending mta's poor reputation",
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes vertraut dem sendenden Server wegen schlechter Reputation nicht.', advice: 'Den technischen Ansprechpartner informieren; den Gast bis dahin telefonisch erreichen.' }),
    en: Object.freeze({ summary: "The guest's server distrusts the sending server because of poor reputation.", advice: 'Tell your technical contact; reach the guest by phone meanwhile.' }),
  }),
}) satisfies ReasonModule;
