/**
 * The ordered dialect registry. Specific dialects come first (each recognises its own MTA cheaply and returns
 * null otherwise); RFC 3464 and RFC 3834 run after them in analyse.ts; `plaintext` is always last.
 */
import type { Dialect } from '../record.ts';
import activehunter from './activehunter.ts';
import amazonses from './amazonses.ts';
import apachejames from './apachejames.ts';
import biglobe from './biglobe.ts';
import domino from './domino.ts';
import courier from './courier.ts';
import dragonfly from './dragonfly.ts';
import einsundeins from './einsundeins.ts';
import exchange2003 from './exchange2003.ts';
import exchange2007 from './exchange2007.ts';
import exim from './exim.ts';
import ezweb from './ezweb.ts';
import fml from './fml.ts';
import gmail from './gmail.ts';
import googlegroups from './googlegroups.ts';
import googleworkspace from './googleworkspace.ts';
import imailserver from './imailserver.ts';
import kddi from './kddi.ts';
import mailmarshal from './mailmarshal.ts';
import opensmtpd from './opensmtpd.ts';
import plaintext from './plaintext.ts';
import postfix from './postfix.ts';
import powermta from './powermta.ts';
import qmail from './qmail.ts';
import sendmail from './sendmail.ts';
import trendmicro from './trendmicro.ts';
import v5sendmail from './v5sendmail.ts';
import verizon from './verizon.ts';
import x3 from './x3.ts';
import zoho from './zoho.ts';

/** Dialects tried before the standard RFC 3464 decoder, in order. */
export const DIALECTS: readonly Dialect[] = Object.freeze([amazonses, googlegroups, gmail, googleworkspace, zoho, ezweb, kddi, exchange2007, einsundeins, biglobe, sendmail, v5sendmail, qmail, exim, dragonfly, opensmtpd, exchange2003, postfix, powermta, x3, imailserver, trendmicro, verizon, activehunter, apachejames, domino, fml, mailmarshal, courier]);

/** Tried after RFC 3464 and RFC 3834 found nothing. */
export const FALLBACK_DIALECTS: readonly Dialect[] = Object.freeze([plaintext]);
