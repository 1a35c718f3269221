import { createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/** The attributes Keystone's IdP puts in a K2K assertion. */
export interface AssertionAttributes {
  openstack_user: string;
  openstack_user_domain: string;
  openstack_roles: string[];
  openstack_project: string;
  openstack_project_domain: string;
  openstack_groups?: string[];
}

export interface EcpEnvelopeInput {
  issuer: string;
  /** The SP's ECP consumer URL: the assertion's Recipient and the Response's Destination */
  recipient: string;
  attributes: AssertionAttributes;
  lifetimeSeconds: number;
  signingKey: KeyObject;
}

const SIGNATURE = /<xmldsig:Signature>.*?<\/xmldsig:SignatureValue><\/xmldsig:Signature>/s;

function samlTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attribute(name: string, values: string[]): string {
  const valueXml = values.map((v) => `<saml:AttributeValue xsi:type="xs:string" xmlns:xs="http://www.w3.org/2001/XMLSchema">${escapeXml(v)}</saml:AttributeValue>`).join('');
  return `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${valueXml}</saml:Attribute>`;
}

/**
 * The SOAP envelope Keystone's IdP answers to POST /v3/auth/OS-FEDERATION/saml2/ecp: a PAOS
 * RelayState header and a SAML2 Response whose Assertion carries the openstack_* attributes and
 * is signed. The signature here is RSA-SHA256 over the assertion's text (not XML-DSig's
 * canonicalisation): enough for the SP to reject a tampered or foreign assertion.
 */
export function buildEcpEnvelope(input: EcpEnvelopeInput): string {
  const now = new Date();
  const notOnOrAfter = `${samlTime(new Date(now.getTime() + input.lifetimeSeconds * 1000)).slice(0, -1)}.000000Z`;
  const assertionId = randomBytes(16).toString('hex');
  const { attributes } = input;
  const statements = [
    attribute('openstack_user', [attributes.openstack_user]),
    attribute('openstack_roles', attributes.openstack_roles),
    attribute('openstack_project', [attributes.openstack_project]),
    attribute('openstack_project_domain', [attributes.openstack_project_domain]),
    attribute('openstack_user_domain', [attributes.openstack_user_domain]),
    ...(attributes.openstack_groups?.length ? [attribute('openstack_groups', attributes.openstack_groups)] : []),
  ].join('');
  const issuer = `<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${escapeXml(input.issuer)}</saml:Issuer>`;
  const unsigned =
    `<saml:Assertion Version="2.0" ID="${assertionId}" IssueInstant="${samlTime(now)}">${issuer}` +
    `<saml:Subject><saml:NameID>${escapeXml(attributes.openstack_user)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${escapeXml(input.recipient)}" /></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:AuthnStatement AuthnInstant="${samlTime(now)}" SessionIndex="${randomBytes(16).toString('hex')}" SessionNotOnOrAfter="${notOnOrAfter}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef><saml:AuthenticatingAuthority>${escapeXml(input.issuer)}</saml:AuthenticatingAuthority>` +
    `</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>${statements}</saml:AttributeStatement></saml:Assertion>`;
  const signatureValue = createSign('sha256').update(unsigned).sign(input.signingKey, 'base64');
  const signature =
    `<xmldsig:Signature><xmldsig:SignedInfo><xmldsig:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" />` +
    `<xmldsig:Reference URI="#${assertionId}" /></xmldsig:SignedInfo><xmldsig:SignatureValue>${signatureValue}</xmldsig:SignatureValue></xmldsig:Signature>`;
  const assertion = unsigned.replace(issuer, `${issuer}${signature}`);
  return (
    '<ns0:Envelope xmlns:ns0="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp" ' +
    'xmlns:ns2="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xmldsig="http://www.w3.org/2000/09/xmldsig#" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ns0:Header><ns1:RelayState ns0:mustUnderstand="1" ns0:actor="http://schemas.xmlsoap.org/soap/actor/next">' +
    `ss:mem:${randomBytes(16).toString('hex')}</ns1:RelayState></ns0:Header><ns0:Body><ns2:Response ID="${randomBytes(16).toString('hex')}" Version="2.0" ` +
    `IssueInstant="${samlTime(now)}" Destination="${escapeXml(input.recipient)}">${issuer}<ns2:Status><ns2:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success" />` +
    `</ns2:Status>${assertion}</ns2:Response></ns0:Body></ns0:Envelope>`
  );
}

/** What an SP reads from a verified assertion. */
export interface VerifiedAssertion {
  issuer: string;
  recipient: string;
  notOnOrAfter: Date;
  attributes: Record<string, string[]>;
}

/**
 * Checks an ECP envelope as the SP's Shibboleth does: a signed assertion from a trusted issuer,
 * still valid. Returns undefined for anything else (garbage, tampered, foreign, expired).
 */
export function verifyEcpEnvelope(xml: string, trusted: { issuer: string; key: KeyObject }): VerifiedAssertion | undefined {
  const assertion = /<saml:Assertion [^>]*>.*<\/saml:Assertion>/s.exec(xml)?.[0];
  const signatureValue = assertion && /<xmldsig:SignatureValue>([^<]*)<\/xmldsig:SignatureValue>/.exec(assertion)?.[1];
  if (!assertion || !signatureValue) return undefined;
  const unsigned = assertion.replace(SIGNATURE, '');
  if (!signedBy(unsigned, signatureValue, trusted.key)) return undefined;
  const issuer = /<saml:Issuer[^>]*>([^<]*)<\/saml:Issuer>/.exec(unsigned)?.[1];
  const confirmation = /<saml:SubjectConfirmationData NotOnOrAfter="([^"]*)" Recipient="([^"]*)"/.exec(unsigned);
  if (issuer !== trusted.issuer || !confirmation) return undefined;
  const notOnOrAfter = new Date(confirmation[1]);
  if (!(notOnOrAfter.getTime() > Date.now())) return undefined;
  const attributes: Record<string, string[]> = {};
  for (const match of unsigned.matchAll(/<saml:Attribute Name="([^"]*)"[^>]*>(.*?)<\/saml:Attribute>/gs)) {
    attributes[match[1]] = [...match[2].matchAll(/<saml:AttributeValue[^>]*>([^<]*)<\/saml:AttributeValue>/g)].map((value) => unescapeXml(value[1]));
  }
  return { issuer, recipient: unescapeXml(confirmation[2]), notOnOrAfter, attributes };
}

function signedBy(text: string, signature: string, key: KeyObject): boolean {
  try {
    return createVerify('sha256').update(text).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
}
