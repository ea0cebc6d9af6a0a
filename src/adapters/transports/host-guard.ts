import { isIP } from 'node:net';
import { forbiddenAddressReason, systemResolver, type Resolver } from '../webhooks-out/target-guard.ts';

/**
 * A hotel can name any SMTP host for its route, and test it with its own API key. Without a guard
 * that is a port scanner into the platform's network (the test answers with the peer's banner).
 * Loopback, private, link-local and metadata addresses are refused unless the operator allows them
 * (REBOUND_SMTP_ALLOW_PRIVATE_HOSTS=true, e.g. when hotels' servers sit in the same private network).
 */
export async function smtpHostRefusal(host: string, opts: { allowPrivate: boolean; resolve?: Resolver }): Promise<string | null> {
  if (opts.allowPrivate) return null;
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(bare)) {
    addresses = [bare];
  } else {
    try {
      addresses = (await (opts.resolve ?? systemResolver)(bare)).map((a) => a.address);
    } catch {
      return null; // an unresolvable name is the connection test's to diagnose ("dns")
    }
  }
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) return `host ${host} resolves to ${address}, ${reason}; such addresses are refused unless the operator sets REBOUND_SMTP_ALLOW_PRIVATE_HOSTS=true`;
  }
  return null;
}
