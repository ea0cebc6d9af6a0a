import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations, kept in code (an ordered list) so they ship inside the package and run the same on
 * SQLite and PostgreSQL. Never edit a released migration; add the next one.
 */
function blobType(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres') {
  void db;
  return dialect === 'postgres' ? sql`bytea` : sql`blob`;
}

export function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001_core': {
      async up(db: Kysely<any>) {
        const blob = blobType(db, dialect);
        await db.schema.createTable('tenants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('notification_email', 'text', (c) => c.notNull())
          .addColumn('language', 'text', (c) => c.notNull())
          .addColumn('sender_json', 'text', (c) => c.notNull())
          .addColumn('route_json', 'text', (c) => c.notNull())
          .addColumn('settings_json', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('api_key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('api_key_prefix', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema.createTable('messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('message_id_header', 'text', (c) => c.notNull().unique())
          .addColumn('idempotency_key', 'text')
          .addColumn('request_hash', 'text')
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('from_header', 'text', (c) => c.notNull())
          .addColumn('reference', 'text')
          .addColumn('metadata_json', 'text', (c) => c.notNull())
          .addColumn('route_kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('content_deleted_at', 'text')
          .addUniqueConstraint('messages_idempotency', ['tenant_id', 'idempotency_key'])
          .execute();
        await db.schema.createIndex('messages_tenant_created').on('messages').columns(['tenant_id', 'created_at', 'id']).execute();

        await db.schema.createTable('message_contents')
          .addColumn('message_id', 'text', (c) => c.primaryKey().references('messages.id'))
          .addColumn('raw', blob as any, (c) => c.notNull())
          .execute();

        await db.schema.createTable('recipients')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id'))
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text')
          .addColumn('lease_until', 'text')
          .addColumn('first_attempt_at', 'text')
          .addColumn('envelope_from', 'text')
          .addColumn('reply_code', 'text')
          .addColumn('status_code', 'text')
          .addColumn('reason', 'text')
          .addColumn('diagnostic', 'text')
          .addColumn('remote_mta', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('recipients_due').on('recipients').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('recipients_message').on('recipients').columns(['message_id']).execute();
        await db.schema.createIndex('recipients_tenant_address').on('recipients').columns(['tenant_id', 'address']).execute();

        await db.schema.createTable('events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('recipient_id', 'text')
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('status_code', 'text')
          .addColumn('reply_code', 'text')
          .addColumn('reason', 'text')
          .addColumn('diagnostic', 'text')
          .addColumn('remote_mta', 'text')
          .addColumn('inbound_id', 'text')
          .addColumn('details_json', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('dedupe_key', 'text', (c) => c.unique())
          .execute();
        await db.schema.createIndex('events_message').on('events').columns(['message_id', 'at']).execute();

        await db.schema.createTable('notifications')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          // One notification per recipient row, ever: the unique key is what makes "never twice" hold
          // across retries, crashes and duplicate bounces.
          .addColumn('recipient_id', 'text', (c) => c.notNull().unique())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('to_address', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('lease_until', 'text')
          .addColumn('raw', blob as any, (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at']).execute();

        await db.schema.createTable('inbound_messages')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text')
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('envelope_from', 'text', (c) => c.notNull())
          .addColumn('envelope_to', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('raw', blob as any, (c) => c.notNull())
          .addColumn('analysis_json', 'text', (c) => c.notNull())
          .execute();

        await db.schema.createTable('captured_mail')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('envelope_from', 'text', (c) => c.notNull())
          .addColumn('envelope_to', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text')
          .addColumn('subject', 'text')
          .addColumn('raw', blob as any, (c) => c.notNull())
          .execute();
      },
    },
    '0002_suppressions_webhooks': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('events').addColumn('hard_bounce', 'integer').execute();
        await db.schema.alterTable('notifications').addColumn('kind', 'text', (c) => c.notNull().defaultTo('bounce')).execute();

        await db.schema.createTable('suppressions')
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text')
          .addColumn('message_id', 'text')
          .addColumn('diagnostic', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('removed_at', 'text')
          .addPrimaryKeyConstraint('suppressions_pk', ['tenant_id', 'address'])
          .execute();
        await db.schema.createIndex('suppressions_tenant_created').on('suppressions').columns(['tenant_id', 'created_at']).execute();

        await db.schema.createTable('webhook_endpoints')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events_json', 'text', (c) => c.notNull())
          .addColumn('secret_sealed', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('failing_since', 'text')
          .addColumn('last_success_at', 'text')
          .addColumn('disabled_at', 'text')
          .addColumn('disabled_reason', 'text')
          .execute();
        await db.schema.createIndex('webhook_endpoints_tenant').on('webhook_endpoints').columns(['tenant_id']).execute();

        await db.schema.createTable('webhook_deliveries')
          .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('endpoint_id', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('recipient_id', 'text')
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('lease_until', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_attempt_at', 'text')
          .addColumn('last_status_code', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('delivered_at', 'text')
          // One delivery per event per endpoint, whatever re-runs the enqueueing.
          .addUniqueConstraint('webhook_deliveries_event', ['endpoint_id', 'event_id'])
          .execute();
        await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['endpoint_id', 'message_id', 'seq']).execute();

        await db.schema.createTable('webhook_attempts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('delivery_id', 'text', (c) => c.notNull())
          .addColumn('endpoint_id', 'text', (c) => c.notNull())
          .addColumn('attempted_at', 'text', (c) => c.notNull())
          .addColumn('status_code', 'integer')
          .addColumn('error', 'text')
          .addColumn('response_body', 'text')
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').columns(['delivery_id', 'attempted_at']).execute();

        await db.schema.createTable('mailgun_webhook_tokens')
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('received_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('mailgun_webhook_tokens_received').on('mailgun_webhook_tokens').columns(['received_at']).execute();
      },
    },
    // Operations and data protection (issue 6): what the retention job, GDPR erasure and the
    // metrics scrape look rows up by, and markers for bodies removed under the retention period.
    '0003_ops': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('inbound_messages').addColumn('raw_deleted_at', 'text').execute();
        await db.schema.alterTable('notifications').addColumn('raw_deleted_at', 'text').execute();
        await db.schema.createIndex('messages_created').on('messages').columns(['created_at']).execute();
        await db.schema.createIndex('inbound_messages_received').on('inbound_messages').columns(['received_at']).execute();
        await db.schema.createIndex('notifications_created').on('notifications').columns(['created_at']).execute();
        await db.schema.createIndex('captured_mail_created').on('captured_mail').columns(['created_at']).execute();
        await db.schema.createIndex('events_recipient').on('events').columns(['recipient_id']).execute();
      },
    },
    // Own-SMTP hotels (issue 5): how far each hotel's IMAP folder has been read (RFC 3501 UIDVALIDITY + UID).
    '0004_imap': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('imap_cursors')
          .addColumn('tenant_id', 'text', (c) => c.primaryKey())
          .addColumn('uid_validity', 'text', (c) => c.notNull())
          .addColumn('last_uid', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .execute();
      },
    },
    // Speed (issue 6): a bounce notification is stored as the facts it is rendered from and rendered
    // when it is sent, not inside the outcome's transaction; `raw` stays empty until then.
    '0005_notification_facts': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('notifications').addColumn('facts_json', 'text').execute();
      },
    },
    // Speed (issue 6): the queue in claim order. Only due-able rows are in it, in next_attempt_at
    // order, so a claim reads the oldest rows of the queue instead of sorting every queued row (it
    // was 6 ms per claim on PostgreSQL with a backlog of a few thousand).
    '0006_queue_order': {
      async up(db: Kysely<any>) {
        // The same predicate text as the claim's, which both planners need to use a partial index.
        await sql`create index recipients_queue on recipients (next_attempt_at) where status in ('queued', 'deferred')`.execute(db);
      },
    },
    // Speed (issue 6): fewer index entries written per message. recipients_due (status,
    // next_attempt_at) served only the queue metrics, which recipients_queue serves as well, and every
    // recipient insert and status change wrote an entry in it. On PostgreSQL, room is left in the pages
    // of the two tables whose rows are updated soon after they are written — a recipient's lease at the
    // claim, a message's status — so that such an update stays on its page and writes no index entry
    // (a HOT update: no indexed column changes). Existing pages keep their fill until rewritten.
    '0007_lean_indexes': {
      async up(db: Kysely<any>) {
        await db.schema.dropIndex('recipients_due').execute();
        if (dialect === 'postgres') {
          await sql`alter table recipients set (fillfactor = 70)`.execute(db);
          await sql`alter table messages set (fillfactor = 80)`.execute(db);
        }
      },
    },
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: 'sqlite' | 'postgres') {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}
