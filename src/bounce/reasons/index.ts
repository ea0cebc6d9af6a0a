/** The ordered registry of reason modules; order is the taxonomy's order in types.ts. */
import type { ReasonModule } from './types.ts';
import userunknown from './userunknown.ts';
import mailboxfull from './mailboxfull.ts';
import hostunknown from './hostunknown.ts';
import filtered from './filtered.ts';
import rejected from './rejected.ts';
import blocked from './blocked.ts';
import spamdetected from './spamdetected.ts';
import policyviolation from './policyviolation.ts';
import securityerror from './securityerror.ts';
import expired from './expired.ts';
import suspend from './suspend.ts';
import toomanyconn from './toomanyconn.ts';
import exceedlimit from './exceedlimit.ts';
import mesgtoobig from './mesgtoobig.ts';
import contenterror from './contenterror.ts';
import networkerror from './networkerror.ts';
import systemerror from './systemerror.ts';
import systemfull from './systemfull.ts';
import norelaying from './norelaying.ts';
import notaccept from './notaccept.ts';
import syntaxerror from './syntaxerror.ts';
import virusdetected from './virusdetected.ts';
import requireptr from './requireptr.ts';
import authfailure from './authfailure.ts';
import badreputation from './badreputation.ts';
import ratelimited from './ratelimited.ts';
import emailtoolong from './emailtoolong.ts';
import notcompliantrfc from './notcompliantrfc.ts';
import speeding from './speeding.ts';
import hasmoved from './hasmoved.ts';
import mailererror from './mailererror.ts';
import failedstarttls from './failedstarttls.ts';
import onhold from './onhold.ts';
import undefined from './undefined.ts';
import vacation from './vacation.ts';
import feedback from './feedback.ts';
import delivered from './delivered.ts';

export const REASON_MODULES: readonly ReasonModule[] = Object.freeze([
  userunknown, mailboxfull, hostunknown, filtered, rejected, blocked, spamdetected, policyviolation, securityerror, expired, suspend, toomanyconn, exceedlimit, mesgtoobig, contenterror, networkerror, systemerror, systemfull, norelaying, notaccept, syntaxerror, virusdetected, requireptr, authfailure, badreputation, ratelimited, emailtoolong, notcompliantrfc, speeding, hasmoved, mailererror, failedstarttls, onhold, undefined, vacation, feedback, delivered,
]);

const byId = new Map(REASON_MODULES.map((m) => [m.id, m]));

export function reasonModule(id: string): ReasonModule | undefined {
  return byId.get(id as ReasonModule['id']);
}

export type { ReasonModule } from './types.ts';
