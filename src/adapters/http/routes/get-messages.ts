import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { listMessages } from '../../../app/query-messages.ts';
import { STATUSES } from '../../../domain/status.ts';
import { MessageSummaryView } from './views.ts';

const IsoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time').transform((s) => new Date(s).toISOString());

export default defineRoute({
  method: 'GET', url: '/v1/messages', auth: 'tenant', summary: 'List messages, newest first, with filters and cursor paging.', tags: ['messages'],
  query: z.object({
    status: z.enum(STATUSES).optional(),
    recipient: z.string().max(254).optional(),
    since: IsoTime.optional(),
    until: IsoTime.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  }).strict(),
  responses: { 200: { description: 'A page of messages', schema: z.object({ data: z.array(MessageSummaryView), nextCursor: z.string().nullable() }) } },
  async handler(ctx, req) {
    return await listMessages(ctx, req.tenant!.id, req.query);
  },
});
