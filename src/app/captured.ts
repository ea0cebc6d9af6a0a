import type { AppContext } from './context.ts';

export async function listCaptured(ctx: AppContext, limit: number, withRaw: boolean) {
  const rows = await ctx.db.kysely.selectFrom('captured_mail').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: r.created_at,
    envelopeFrom: r.envelope_from,
    envelopeTo: r.envelope_to,
    messageId: r.message_id,
    subject: r.subject,
    ...(withRaw ? { raw: Buffer.from(r.raw).toString('utf8') } : {}),
  }));
}

/** One captured message in full, by its id; null when there is none. */
export async function capturedRaw(ctx: AppContext, id: number): Promise<Buffer | null> {
  const row = await ctx.db.kysely.selectFrom('captured_mail').select('raw').where('id', '=', id).executeTakeFirst();
  return row ? Buffer.from(row.raw) : null;
}
