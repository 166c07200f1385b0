/**
 * Who a request acts for, as authentication establishes it. Shared by the
 * HTTP layer (which authenticates) and the services (which act for it), so
 * neither depends on the other for it.
 */
import type { KeyRole } from './store/key-types.ts';
import type { Environment } from './store/types.ts';

export interface Principal {
  orgId: string;
  keyId: string;
  environment: Environment;
  role: KeyRole;
}

export interface Authenticator {
  /** Resolves the caller from a raw key, or throws the reference's 401/402/429. */
  authenticate(raw: string | null): Promise<Principal>;
}
