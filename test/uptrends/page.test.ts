import { describe, expect, it } from 'vitest';
import { isClientCertError } from '../../src/errors.js';
import { extractCertificatesFromPage, htmlToText } from '../../src/uptrends/page.js';

import { seed, seedBase64 as body, uptrendsHtmlPage } from '../helpers/uptrends-page.js';

describe('extractCertificatesFromPage', () => {
  it('reads the certificate from the markdown/text page with Unicode-dash armour', () => {
    const [cert, ...rest] = extractCertificatesFromPage(seed);
    expect(rest).toEqual([]);
    expect(cert?.serialNumber).toBe('1A223E5481B066DFDA30E5F35CDB3A81');
  });

  it('reads it from an HTML page (entities, tags, word-break hints; script contents ignored)', () => {
    const [cert] = extractCertificatesFromPage(uptrendsHtmlPage());
    expect(cert?.spkiSha256Base64).toBe('VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=');
  });

  it('decodes entities and drops markup', () => {
    expect(htmlToText('<p>a&amp;b&#43;&#x2F;&nbsp;c</p><br>d<!-- e -->')).toBe('a&b+/ c\n\nd');
  });

  it.each([
    ['a page without a certificate', '<html><body>Nothing here</body></html>', 'found none'],
    ['BEGIN without END', '-----BEGIN CERTIFICATE-----\nMIIB', 'no matching "END CERTIFICATE"'],
    ['a corrupted body', seed.replace(body, body.slice(0, 500)), 'not readable'],
  ])('refuses %s with CERT_MALFORMED', (_name, page, fragment) => {
    try {
      extractCertificatesFromPage(page);
      expect.unreachable();
    } catch (error) {
      expect(isClientCertError(error) && error.code).toBe('CERT_MALFORMED');
      expect((error as Error).message).toContain(fragment);
    }
  });
});
