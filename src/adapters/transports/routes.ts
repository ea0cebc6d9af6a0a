import type { Config } from '../../config.ts';
import type { Db } from '../db/database.ts';
import type { RouteResolver } from '../../app/context.ts';
import type { TenantRecord } from '../../app/tenants.ts';
import type { Transport } from './types.ts';
import { CaptureTransport } from './capture.ts';
import { SmtpTransport, smtpOptionsFromUrl } from './smtp.ts';
import { MailgunTransport } from './mailgun.ts';
import { RouteConfigurationError } from './types.ts';

/** Chooses the transport per tenant route. The platform route also carries the hotels' notifications. */
export class Routes implements RouteResolver {
  private readonly platformTransport: Transport;
  /** Null when REBOUND_MAILGUN_API_KEY / REBOUND_MAILGUN_DOMAIN are not set. */
  private readonly mailgunTransport: MailgunTransport | null;

  constructor(config: Config, db: Db, now: () => Date = () => new Date()) {
    this.platformTransport = config.relayUrl
      ? new SmtpTransport({ ...smtpOptionsFromUrl(config.relayUrl), clientName: config.notificationsDomain })
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
      default:
        throw new Error(`route type ${tenant.route.type} is not available`);
    }
  }

  async close(): Promise<void> {
    await this.platformTransport.close();
    await this.mailgunTransport?.close();
  }
}
