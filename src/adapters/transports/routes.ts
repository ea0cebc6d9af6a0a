import type { Config } from '../../config.ts';
import type { Db } from '../db/database.ts';
import type { RouteResolver } from '../../app/context.ts';
import type { TenantRecord } from '../../app/tenants.ts';
import type { Transport } from './types.ts';
import { CaptureTransport } from './capture.ts';
import { SmtpTransport, smtpOptionsFromUrl } from './smtp.ts';
import { MailgunTransport } from './mailgun.ts';
import { RouteConfigurationError } from './types.ts';
import { createOwnSmtpTransport } from './own-smtp.ts';
import { smtpHostRefusal } from './host-guard.ts';
import { smtpRouteSchema } from '../../domain/smtp-route.ts';
import { openStoredSecret } from '../../app/tenants.ts';
import type { Keys } from '../../security/keys.ts';

/** Chooses the transport per tenant route. The platform route also carries the hotels' notifications. */
export class Routes implements RouteResolver {
  private readonly platformTransport: Transport;
  /** Null when REBOUND_MAILGUN_API_KEY / REBOUND_MAILGUN_DOMAIN are not set. */
  private readonly mailgunTransport: MailgunTransport | null;

  /** Hotels' own SMTP transports, rebuilt when the hotel's settings change (keyed by updatedAt). */
  private readonly ownSmtp = new Map<string, { version: string; transport: Transport }>();

  constructor(private readonly config: Config, db: Db, now: () => Date = () => new Date(), private readonly keyring: Keys[] = []) {
    this.platformTransport = config.relayUrl
      // One pooled connection per delivery lane of this worker process.
      ? new SmtpTransport({ ...smtpOptionsFromUrl(config.relayUrl), clientName: config.notificationsDomain, pool: config.workerConcurrency })
      : new CaptureTransport(db, now);
    this.mailgunTransport = config.mailgun ? new MailgunTransport(config.mailgun) : null;
  }

  platform(): Transport {
    return this.platformTransport;
  }

  forTenant(tenant: TenantRecord): Transport {
    switch (tenant.route.type) {
      case 'relay':
        return this.platformTransport;
      case 'mailgun':
        // A hotel on the mailgun route while Mailgun is not configured: loud, retried slowly, never lost.
        if (!this.mailgunTransport) throw new RouteConfigurationError('the mailgun route is not configured (set REBOUND_MAILGUN_API_KEY and REBOUND_MAILGUN_DOMAIN)');
        return this.mailgunTransport;
      case 'smtp':
        return this.ownSmtpFor(tenant);
      default:
        throw new Error(`route type ${tenant.route.type} is not available`);
    }
  }

  private ownSmtpFor(tenant: TenantRecord): Transport {
    const cached = this.ownSmtp.get(tenant.id);
    if (cached && cached.version === tenant.updatedAt) return cached.transport;
    const stored = tenant.route as { password?: string };
    let password: string;
    try {
      password = openStoredSecret(this.keyring, stored.password ?? '');
    } catch (e) {
      throw new RouteConfigurationError('the stored SMTP password cannot be decrypted (was REBOUND_SECRET_KEY changed without REBOUND_PREVIOUS_SECRET_KEYS?)', (e as Error).message);
    }
    const route = smtpRouteSchema.parse({ ...tenant.route, password });
    const transport = createOwnSmtpTransport(route, {
      hotelAddress: tenant.sender.fromEmail ?? tenant.notificationEmail,
      clientName: this.config.notificationsDomain,
    });
    const allowPrivate = this.config.smtpAllowPrivateHosts;
    // Checked before every connection (names can change what they resolve to).
    const guarded: Transport = {
      kind: transport.kind,
      async send(mail) {
        const refusal = await smtpHostRefusal(route.host, { allowPrivate });
        if (refusal) throw new RouteConfigurationError('the hotel SMTP host is not allowed', refusal);
        return await transport.send(mail);
      },
      close: () => transport.close(),
    };
    this.ownSmtp.set(tenant.id, { version: tenant.updatedAt, transport: guarded });
    return guarded;
  }

  async close(): Promise<void> {
    for (const { transport } of this.ownSmtp.values()) await transport.close();
    await this.platformTransport.close();
    await this.mailgunTransport?.close();
  }
}
