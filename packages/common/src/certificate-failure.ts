/**
 * OpenSSL's certificate verification results as Node reports them (`error.code`), and Node's own
 * check of the host name: the TLS failures an operator fixes with a `ca` option (or a right
 * certificate). Other TLS failures (a protocol mismatch, an http port) are not among them.
 */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What was wrong with the server's certificate, e.g. "self-signed certificate in certificate chain
 * (SELF_SIGNED_CERT_IN_CHAIN)", when `error` is a certificate verification failure; else undefined.
 * Node's text names only certificates and hosts, never anything sent.
 */
export function certificateFailure(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !CERTIFICATE_CODES.has(code)) return undefined;
  return typeof message === 'string' && message ? `${message} (${code})` : code;
}
