import { X509Certificate } from 'node:crypto';
import { OptionError } from './option-checks.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * A `ca` option checked: PEM text with one or more certificates, or a list of such texts (what
 * Node's tls `ca` takes), each certificate parsed now so that a truncated or pasted-wrong one
 * fails at start-up, not at the first TLS connection. Text around the certificates (a bundle's
 * comments) is allowed. Returns the texts as a list.
 */
export function caOption(value: unknown, option: string): string[] {
  const texts = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(texts) || texts.length === 0) throw new OptionError(option, 'must be PEM certificate text (-----BEGIN CERTIFICATE-----...), or a non-empty list of such texts');
  return texts.map((text: unknown, i) => {
    const where = Array.isArray(value) ? `${option}[${i}]` : option;
    if (typeof text !== 'string') throw new OptionError(where, 'must be PEM certificate text (-----BEGIN CERTIFICATE-----...)');
    const certificates = text.match(PEM_CERTIFICATE);
    if (!certificates) throw new OptionError(where, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----...-----END CERTIFICATE-----)');
    certificates.forEach((pem, n) => {
      try {
        new X509Certificate(pem);
      } catch (error) {
        throw new OptionError(where, `certificate ${n + 1} is not a valid certificate: ${(error as Error).message}`);
      }
    });
    return text;
  });
}
