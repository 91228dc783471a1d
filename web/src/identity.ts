/**
 * Who the session's token is (GET /v1/whoami): read at sign-in, and again when a reload finds a
 * stored token. The pages use it only to leave out what the role cannot do; the API still decides
 * every write (a grant can give less than the token's role), and its refusal is shown.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** The api's roles (shared/domain/access.ts): viewer reads; deployer also deploys; admin does everything in its account. */
export type Role = 'viewer' | 'deployer' | 'admin';

export interface Identity {
  tokenId: string;
  accountId: string;
  role: Role;
  /** An admin of the default account: manages accounts. */
  operator: boolean;
}

/** Not read yet, read, or not readable (the pages then offer everything and let the API answer). */
export type IdentityState = { state: 'loading' } | { state: 'known'; identity: Identity } | { state: 'unknown'; error: string };

export const LOADING: IdentityState = { state: 'loading' };

export const IdentityContext = createContext<IdentityState>(LOADING);

export function useIdentity(): IdentityState {
  return useContext(IdentityContext);
}

/**
 * Whether to offer writes (stop, continue, roll back): not to a viewer, not before the role is
 * known (no buttons that vanish a moment later), and to anyone when whoami could not be read.
 */
export function writesOffered(who: IdentityState): boolean {
  if (who.state === 'loading') return false;
  return who.state === 'unknown' || who.identity.role !== 'viewer';
}
