import type { Reason } from '../types.ts';

export interface Explanation {
  summary: string;
  advice: string;
}

/** One reason of the taxonomy: its text fragments (lower-case data) and its plain-language explanation. */
export interface ReasonModule {
  id: Reason;
  /** A diagnostic text containing any of these (lower-case) points to this reason. */
  fragments: readonly string[];
  /** Each row matches when all its fragments occur in this order. */
  aligned: readonly (readonly string[])[];
  /** Texts that contain a fragment but mean something else. */
  exclusions?: readonly string[];
  explain: Readonly<{ de: Readonly<Explanation>; en: Readonly<Explanation> }>;
}
