import { z } from 'zod';
import { ROLES } from '../gateway/access.ts';
import type { User } from './users.ts';

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(ROLES),
    tenantId: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const SessionSchema = z
  .object({
    user: UserSchema,
    csrfToken: z.string().describe('Send it as the X-CSRF-Token header on every POST, PUT, PATCH and DELETE made with the session cookie.'),
  })
  .meta({ id: 'Session' });

export const toUserView = (user: User): z.infer<typeof UserSchema> => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  tenantId: user.tenantId,
  createdAt: user.createdAt.toISOString(),
});
