import { z } from 'zod';
import { STATUSES, EVENT_TYPES } from '../../../domain/status.ts';

/** Answer shapes, for the OpenAPI document. */
export const TenantView = z.object({
  id: z.string(),
  name: z.string(),
  notificationEmail: z.string(),
  language: z.enum(['de', 'en']),
  sender: z.object({ fromName: z.string().optional(), fromEmail: z.string().optional(), replyTo: z.string().optional() }),
  route: z.object({ type: z.string() }).catchall(z.unknown()),
  apiKeyPrefix: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const RecipientView = z.object({
  address: z.string(),
  kind: z.enum(['to', 'cc', 'bcc']),
  status: z.enum(STATUSES),
  statusCode: z.string().nullable().describe('RFC 3463 enhanced status code, e.g. 5.1.1'),
  replyCode: z.string().nullable().describe('SMTP reply code, e.g. 550'),
  reason: z.string().nullable(),
  diagnostic: z.string().nullable().describe("The remote server's text, verbatim"),
  remoteMta: z.string().nullable(),
  attempts: z.number(),
  updatedAt: z.string(),
});

export const EventView = z.object({
  id: z.string(),
  at: z.string(),
  type: z.enum(EVENT_TYPES),
  source: z.string(),
  recipient: z.string().nullable(),
  statusCode: z.string().nullable(),
  replyCode: z.string().nullable(),
  reason: z.string().nullable(),
  diagnostic: z.string().nullable(),
  remoteMta: z.string().nullable(),
});

export const MessageSummaryView = z.object({
  id: z.string(),
  messageId: z.string().describe('The Message-ID header'),
  status: z.enum(STATUSES),
  subject: z.string(),
  reference: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const MessageView = MessageSummaryView.extend({
  metadata: z.record(z.string(), z.unknown()),
  recipients: z.array(RecipientView),
  events: z.array(EventView),
});

export const SuppressionView = z.object({
  address: z.string(),
  reason: z.string().describe('The reason from the taxonomy, e.g. userunknown, feedback'),
  source: z.enum(['bounce', 'complaint', 'soft-bounces', 'manual']).describe('What put it on the list'),
  eventId: z.string().nullable().describe('The event that caused it'),
  messageId: z.string().nullable(),
  diagnostic: z.string().nullable().describe("The remote server's text that caused it, verbatim"),
  createdAt: z.string(),
});

export const WebhookEndpointView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  createdAt: z.string(),
});

export const WebhookDeliveryView = z.object({
  id: z.string(),
  webhookId: z.string().describe('The webhook-id header: the same on every retry'),
  type: z.string(),
  messageId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
  log: z.array(z.object({ at: z.string(), statusCode: z.number().nullable(), error: z.string().nullable(), response: z.string().nullable(), durationMs: z.number() })),
});
