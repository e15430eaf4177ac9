/** The signed-in user, shared by every page: who they are and what their role lets them do. */
import { createContext, useContext } from 'react';
import type { Role, Session, User } from './types.ts';

export interface SessionState {
  user: User;
  setSession: (session: Session | undefined) => void;
}

export const SessionContext = createContext<SessionState | undefined>(undefined);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

/** What each role may do, as the API enforces it: the console only hides what would be refused. */
export const can = {
  /** Install, reconcile, uninstall connectors; sending settings, SMPP accounts, webhooks. */
  administer: (role: Role) => role === 'owner' || role === 'admin',
  /** Scenarios, messages, contacts. */
  write: (role: Role) => role !== 'read-only',
  /** People and API keys. */
  managePeople: (role: Role) => role === 'owner' || role === 'admin',
};
