import { z } from 'zod';
import { HttpProblem } from './problem.ts';

/** Query parameters shared by every list endpoint: an opaque cursor and a page size. */
export const PageQuerySchema = z.object({
  cursor: z.string().max(64).optional().describe('The nextCursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Cursors wrap a sequence number so clients treat them as opaque and never build them. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new HttpProblem(400, 'validation-failed', 'The cursor is not one this API returned; pass nextCursor unchanged.', { errors: [{ path: 'querystring.cursor', message: 'invalid cursor' }] });
  return Number(match[1]);
}
