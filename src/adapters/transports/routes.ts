import type { Config } from '../../config.ts';
import type { Db } from '../db/database.ts';
import type { RouteResolver } from '../../app/context.ts';
import type { TenantRecord } from '../../app/tenants.ts';
import type { Transport } from './types.ts';
import { CaptureTransport } from './capture.ts';
import { SmtpTransport, smtpOptionsFromUrl } from './smtp.ts';

/** Chooses the transport per tenant route. The platform route also carries the hotels' notifications. */
export class Routes implements RouteResolver {
  private readonly platformTransport: Transport;

  constructor(config: Config, db: Db, now: () => Date = () => new Date()) {
    this.platformTransport = config.relayUrl
      ? new SmtpTransport({ ...smtpOptionsFromUrl(config.relayUrl), clientName: config.notificationsDomain })
      : new CaptureTransport(db, now);
  }

  platform(): Transport {
    return this.platformTransport;
  }

  forTenant(tenant: TenantRecord): Transport {
    switch (tenant.route.type) {
      case 'relay':
        return this.platformTransport;
      default:
        throw new Error(`route type ${tenant.route.type} is not available`);
    }
  }

  async close(): Promise<void> {
    await this.platformTransport.close();
  }
}
