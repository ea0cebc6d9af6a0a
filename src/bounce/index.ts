/** Rebound's bounce analyser: the public surface. */
import type { Explanation } from './reasons/types.ts';
import { reasonModule } from './reasons/index.ts';
import type { Reason } from './types.ts';

export { analyse, verdictForReply } from './analyse.ts';
export { isHardBounce } from './classify.ts';
export type { AnalyseOptions } from './limits.ts';
export * from './types.ts';

/** A short plain-language explanation for hotel staff, and what to do. */
export function explainReason(reason: Reason, lang: 'de' | 'en'): Explanation {
  const m = reasonModule(reason) ?? reasonModule('undefined');
  const e = m!.explain[lang === 'de' ? 'de' : 'en'];
  return { summary: e.summary, advice: e.advice };
}
