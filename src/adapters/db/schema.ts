import type { ColumnType, Generated } from 'kysely';

/**
 * Table shapes. Times are ISO-8601 UTC strings (`Date#toISOString`), which sort correctly as text on
 * both SQLite and PostgreSQL; flags are 0/1 integers; structured values are JSON text.
 */
export interface TenantTable {
  id: string;
  name: string;
  notification_email: string;
  language: string;
  sender_json: string;
  route_json: string;
  settings_json: string;
  api_key_hash: string;
  api_key_prefix: string;
  created_at: string;
  updated_at: string;
}

export interface MessageTable {
  id: string;
  tenant_id: string;
  message_id_header: string;
  idempotency_key: string | null;
  request_hash: string | null;
  subject: string;
  from_header: string;
  reference: string | null;
  metadata_json: string;
  route_kind: string;
  status: string;
  created_at: string;
  updated_at: string;
  content_deleted_at: string | null;
}

export interface MessageContentTable {
  message_id: string;
  raw: Buffer;
}

export interface RecipientTable {
  id: string;
  message_id: string;
  tenant_id: string;
  address: string;
  kind: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  lease_until: string | null;
  first_attempt_at: string | null;
  envelope_from: string | null;
  reply_code: string | null;
  status_code: string | null;
  reason: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  updated_at: string;
}

export interface EventTable {
  id: string;
  tenant_id: string;
  message_id: string;
  recipient_id: string | null;
  type: string;
  at: string;
  source: string;
  status_code: string | null;
  reply_code: string | null;
  reason: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  inbound_id: string | null;
  details_json: string;
  dedupe_key: string | null;
  /** 1/0 for bounces (the analyser's hard/soft verdict), null otherwise. Added by 0002. */
  hard_bounce: number | null;
}

export interface NotificationTable {
  id: string;
  tenant_id: string;
  recipient_id: string;
  message_id: string;
  to_address: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  raw: Buffer;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  /** Set when the retention job emptied `raw` (0003). */
  raw_deleted_at: string | null;
  /** 'bounce' (about a guest message) or 'webhook-disabled' (about a webhook endpoint). Added by 0002. */
  kind: Generated<string>;
  /**
   * 0005: the facts a bounce notification is rendered from when it is sent (then `raw` is empty);
   * null for notifications stored rendered. Holds guest data: emptied with `raw` by retention and erasure.
   */
  facts_json: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One suppressed address per hotel; reactivation sets removed_at (the row stays as history). */
export interface SuppressionTable {
  tenant_id: string;
  /** Lower-cased. */
  address: string;
  reason: string;
  /** 'bounce' | 'complaint' | 'soft-bounces' | 'manual' */
  source: string;
  /** The event that caused it (null for manual entries). */
  event_id: string | null;
  message_id: string | null;
  diagnostic: string | null;
  created_at: string;
  removed_at: string | null;
}

export interface WebhookEndpointTable {
  id: string;
  tenant_id: string;
  url: string;
  events_json: string;
  /** The whsec_ secret, sealed with the secret-box key. */
  secret_sealed: string;
  created_at: string;
  updated_at: string;
  /** Start of the current run of failed attempts; null after a success. */
  failing_since: string | null;
  last_success_at: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
}

/** The durable outbox of outbound webhooks: one row per event per endpoint. */
export interface WebhookDeliveryTable {
  /** Insertion order: the order events of one message are posted in. */
  seq: Generated<number>;
  id: string;
  endpoint_id: string;
  tenant_id: string;
  message_id: string;
  recipient_id: string | null;
  /** The Rebound event; also the webhook-id header (stable across retries). */
  event_id: string;
  event_type: string;
  /** The exact JSON bytes that are signed and posted on every attempt. */
  payload: string;
  /** 'pending' | 'delivered' | 'failed' (gave up) | 'cancelled' (endpoint disabled) */
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  created_at: string;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

export interface WebhookAttemptTable {
  id: string;
  delivery_id: string;
  endpoint_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  duration_ms: number;
}

/** Mailgun signature tokens already used (replay guard); pruned after a day. */
export interface MailgunTokenTable {
  token: string;
  received_at: string;
}

export interface InboundTable {
  id: string;
  tenant_id: string | null;
  received_at: string;
  envelope_from: string;
  envelope_to: string;
  kind: string;
  raw: Buffer;
  analysis_json: string;
  /** Set when the retention job emptied `raw` (0003). */
  raw_deleted_at: string | null;
}

export interface CapturedTable {
  id: Generated<number>;
  created_at: string;
  envelope_from: string;
  envelope_to: string;
  message_id: string | null;
  subject: string | null;
  raw: Buffer;
}

export interface ImapCursorTable {
  tenant_id: string;
  uid_validity: string;
  last_uid: number;
  updated_at: string;
  last_error: string | null;
}

export interface Database {
  tenants: TenantTable;
  messages: MessageTable;
  message_contents: MessageContentTable;
  recipients: RecipientTable;
  events: EventTable;
  notifications: NotificationTable;
  inbound_messages: InboundTable;
  captured_mail: CapturedTable;
  imap_cursors: ImapCursorTable;
  suppressions: SuppressionTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  mailgun_webhook_tokens: MailgunTokenTable;
}
