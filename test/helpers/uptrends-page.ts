/** The Uptrends public-key page as text (the seed) and as an HTML rendering of it. */
import { readFileSync } from 'node:fs';

export const seed = readFileSync('fixtures/seeds/uptrends-public-key-page.txt', 'utf8');
export const seedBase64 = /MIIG[A-Za-z0-9+/=]+/.exec(seed)?.[0] as string;

/** The page as a CMS would render it: a table cell, typographic dashes as entities, <br> breaks, wrapped base64. */
export function uptrendsHtmlPage(base64 = seedBase64): string {
  const wrapped = (base64.match(/.{1,76}/g) ?? []).join('<wbr>');
  return `<!doctype html><html><head><title>Uptrends' client certificate public key information</title>
<script>var x = "-----BEGIN CERTIFICATE----- not this one";</script></head><body>
<h2>Public key information</h2><table><tbody>
<tr><td><strong>Serial number</strong></td><td>1a223e5481b066dfda30e5f35cdb3a81</td></tr>
<tr><td><strong>Full public key (Base64)</strong></td><td><p>&mdash;&ndash;BEGIN CERTIFICATE&#8212;&#x2013;</p>
<p>${wrapped}</p><p>&#8212;&#8211;END CERTIFICATE&mdash;&ndash;</p></td></tr>
</tbody></table></body></html>`;
}

