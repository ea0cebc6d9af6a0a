import type { Generated } from 'kysely';

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

export interface Database {
  tenants: TenantTable;
  messages: MessageTable;
  message_contents: MessageContentTable;
  recipients: RecipientTable;
  events: EventTable;
  notifications: NotificationTable;
  inbound_messages: InboundTable;
  captured_mail: CapturedTable;
}
