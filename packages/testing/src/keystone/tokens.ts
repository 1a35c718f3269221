import { newAuditId, newTokenId } from './ids.js';

/** How a federated user came in (the token's OS-FEDERATION block). */
export interface FederatedIdentity {
  identityProvider: string;
  protocol: string;
  groupIds: string[];
}

/** What the simulator knows about a token it issued. */
export interface TokenRecord {
  id: string;
  userId: string;
  methods: string[];
  projectId?: string;
  domainId?: string;
  /** Set for a system-scoped token */
  system?: boolean;
  issuedAt: Date;
  expiresAt: Date;
  auditIds: string[];
  revoked: boolean;
  federation?: FederatedIdentity;
  applicationCredential?: SimApplicationCredential;
}

/** The application credential a token was made with; `accessRules` limit what the token may call. */
export interface SimApplicationCredential {
  id: string;
  name: string;
  accessRules?: { id: string; service: string; method: string; path: string }[];
}

export type TokenCheck = { ok: true; token: TokenRecord } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** Tokens a simulated Keystone issued: opaque Fernet-like ids, an expiry, revocation. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(private readonly lifetimeSeconds: number) {}

  issue(fields: Omit<TokenRecord, 'id' | 'issuedAt' | 'expiresAt' | 'auditIds' | 'revoked'> & { expiresAt?: Date; parentAuditId?: string }): TokenRecord {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { parentAuditId, ...rest } = fields;
    const record: TokenRecord = {
      ...rest,
      id: newTokenId(),
      issuedAt,
      // A rescoped token keeps the expiry of the token it came from, as Keystone does.
      expiresAt: fields.expiresAt ?? new Date(issuedAt.getTime() + this.lifetimeSeconds * 1000),
      auditIds: parentAuditId ? [newAuditId(), parentAuditId] : [newAuditId()],
      revoked: false,
    };
    this.tokens.set(record.id, record);
    return record;
  }

  /** Whether the token is usable now; `allowExpired` accepts an expired (not revoked) one. */
  check(id: string | undefined, allowExpired = false): TokenCheck {
    const token = id === undefined ? undefined : this.tokens.get(id);
    if (!token) return { ok: false, reason: 'unknown' };
    if (token.revoked) return { ok: false, reason: 'revoked' };
    if (!allowExpired && token.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    return { ok: true, token };
  }

  /** Every token issued so far (expired and revoked included), oldest first. */
  all(): TokenRecord[] {
    return [...this.tokens.values()];
  }

  /** Makes the token expired from now on. */
  expire(id: string): void {
    const token = this.tokens.get(id);
    if (token) token.expiresAt = new Date(Date.now() - 1000);
  }

  revoke(id: string): void {
    const token = this.tokens.get(id);
    if (token) token.revoked = true;
  }
}
