/**
 * The public parsing entry points: certificates from a string, bytes or a file.
 */
import { ClientCertError, isClientCertError } from '../errors.js';
import { Certificate } from './certificate.js';
import { malformed } from './der.js';
import { certificateDers, MAX_INPUT_SIZE, sniffDer } from './input.js';
import { FileReadError, readFileBounded } from '../util/read-bounded.js';

/**
 * Parses every certificate in `input`: PEM (one or several blocks, any line endings, leading or
 * trailing text, typographic dashes, literal `\n` escapes, URL-escaped), bare base64 or base64url
 * DER, or DER bytes (one or several certificates back to back). A Uint8Array holding PEM text
 * works too. Non-certificate PEM blocks (keys, CRLs) are skipped without being decoded.
 *
 * Inputs over 1 MiB (`MAX_INPUT_SIZE`) and certificates over 64 KiB are refused before decoding.
 *
 * @returns at least one certificate, in input order (shared, cached instances).
 * @throws ClientCertError CERT_MALFORMED for anything else; the message says which certificate
 *   of a bundle failed, what was expected and what was found. Never another exception.
 */
export function parseCertificates(input: string | Uint8Array): Certificate[] {
  const items = certificateDers(input);
  return items.map((item, i) => {
    try {
      return Certificate.fromDer(item.der);
    } catch (error) {
      if (!isClientCertError(error)) throw error;
      const which = items.length === 1 ? `certificate (${item.origin})` : `certificate ${i + 1} of ${items.length} (${item.origin})`;
      const looksLike = sniffDer(item.der);
      const message = looksLike === undefined ? `${which}: ${error.message}` : `${which}: the bytes are ${looksLike} (${error.message})`;
      throw new ClientCertError('CERT_MALFORMED', message, { cause: error, details: { index: i } });
    }
  });
}

/**
 * Parses exactly one certificate, in any form `parseCertificates` accepts.
 *
 * @throws ClientCertError CERT_MALFORMED when the input is malformed or holds several certificates.
 */
export function parseCertificate(input: string | Uint8Array): Certificate {
  const certificates = parseCertificates(input);
  if (certificates.length !== 1) {
    throw malformed(`expected exactly one certificate, found ${certificates.length}`);
  }
  return certificates[0] as Certificate;
}

/**
 * Reads a file and parses the certificates in it (see `parseCertificates`). At most 1 MiB is
 * read, so a device or a huge file cannot exhaust memory.
 *
 * @throws ClientCertError CONFIG_INVALID when the file cannot be read (missing, a directory, no
 *   permission, over 1 MiB), with the system error as `cause`; CERT_MALFORMED when its content
 *   is not certificates (the message starts with the path).
 */
export async function readCertificatesFile(path: string): Promise<Certificate[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(path, MAX_INPUT_SIZE);
  } catch (error) {
    if (error instanceof FileReadError && error.tooLarge) {
      throw new ClientCertError('CONFIG_INVALID', `certificate file "${path}" is larger than the limit of ${MAX_INPUT_SIZE} bytes`, { cause: error });
    }
    const reason = error instanceof FileReadError ? error.reason : error instanceof Error ? error.message : String(error);
    throw new ClientCertError('CONFIG_INVALID', `cannot read certificate file "${path}": ${reason}`, { cause: error instanceof FileReadError ? (error.cause ?? error) : error });
  }
  try {
    return parseCertificates(bytes);
  } catch (error) {
    if (isClientCertError(error)) {
      throw new ClientCertError(error.code, `${path}: ${error.message}`, { cause: error, details: error.details });
    }
    throw error;
  }
}
