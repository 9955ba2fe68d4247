/**
 * Reading the Uptrends certificate out of the page that publishes it ("Uptrends' client
 * certificate public key information"): the HTML page, or its markdown/text form, where the PEM
 * armour lines are printed with typographic dashes ("—–BEGIN CERTIFICATE—–").
 */
import { parseCertificates } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { ClientCertError, isClientCertError } from '../errors.js';

/** Largest page accepted (bytes of text). */
export const MAX_PAGE_SIZE = 4 * 1024 * 1024;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '\u2013',
  mdash: '\u2014',
  hyphen: '\u2010',
  minus: '\u2212',
  plus: '+',
  sol: '/',
  equals: '=',
  shy: '',
  zwsp: '',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,10});?/g, (whole, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) {
      const cp = Number.parseInt(body.slice(2), 16);
      return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
    }
    if (body.startsWith('#')) {
      const cp = Number.parseInt(body.slice(1), 10);
      return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Visible text of an HTML document, block boundaries as newlines. Good enough for a PEM in a table cell. */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(/<(br|\/p|\/div|\/td|\/th|\/tr|\/li|\/pre|\/h[1-6])\b[^>]*>/gi, '\n')
      .replace(/<[^>]*>/g, ''),
  );
}

function looksLikeHtml(text: string): boolean {
  return /<(html|body|table|td|div|p|br|pre|code|span)\b/i.test(text.slice(0, 1_000_000));
}

const DASHES = '-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D';
const BEGIN = new RegExp(`[${DASHES}]{2,}\\s*BEGIN CERTIFICATE`, 'i');
const END = new RegExp(`END CERTIFICATE\\s*[${DASHES}]{2,}`, 'gi');

/**
 * The certificates published in `page` (HTML or text), in page order.
 *
 * @throws ClientCertError CERT_MALFORMED when the page holds no certificate, or a broken one.
 */
export function extractCertificatesFromPage(page: string): CertificateModel[] {
  if (page.length > MAX_PAGE_SIZE) throw new ClientCertError('CERT_MALFORMED', `the page is larger than ${MAX_PAGE_SIZE} characters`);
  // Zero-width characters and soft hyphens can be sprinkled into long base64 runs for line breaking.
  const text = (looksLikeHtml(page) ? htmlToText(page) : page).replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '');
  const begin = BEGIN.exec(text);
  if (begin === null) {
    throw new ClientCertError('CERT_MALFORMED', 'expected a certificate ("BEGIN CERTIFICATE" armour) in the page, found none; is this the "Uptrends\' client certificate public key information" page?');
  }
  let endIndex = -1;
  for (const m of text.matchAll(END)) endIndex = m.index + m[0].length;
  if (endIndex < begin.index) throw new ClientCertError('CERT_MALFORMED', 'the page has "BEGIN CERTIFICATE" but no matching "END CERTIFICATE" line after it');
  const region = text.slice(begin.index, endIndex);
  try {
    return parseCertificates(region);
  } catch (error) {
    if (isClientCertError(error)) throw new ClientCertError(error.code, `the certificate in the page is not readable: ${error.message}`, { cause: error });
    throw error;
  }
}
