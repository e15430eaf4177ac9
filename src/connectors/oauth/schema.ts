import { z } from 'zod';
import type { JsonObject, OAuthTokens } from '../connector.ts';

/**
 * The credentials of an OAuth connector's installation: the hub's tokens (sealed in `credentials_sealed`).
 * An oauth2 connector's manifest declares `credentials: OAuthTokensSchema`.
 */
export const OAuthTokensSchema: z.ZodType<OAuthTokens> = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).nullable(),
  expiresAt: z.string().nullable(),
  tokenType: z.string(),
  scope: z.string().nullable(),
  extra: z.record(z.string(), z.unknown()).transform((value) => value as JsonObject),
  authorizationServer: z.string().url().optional(),
});
