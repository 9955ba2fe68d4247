/**
 * A reason a certificate or a link cannot be part of a valid path. Cheap to create while path
 * building explores alternatives; only the one reported becomes a ClientCertError.
 */
import { ClientCertError, type ClientCertErrorCode } from '../errors.js';
import type { CertificateModel } from '../cert/types.js';

export interface Problem {
  readonly code: ClientCertErrorCode;
  /** What was expected and what was found, without the certificate's position (added later). */
  readonly message: string;
}

export function problem(code: ClientCertErrorCode, message: string): Problem {
  return { code, message };
}

/** How a certificate is named in messages: its position and subject (escaped by the parser). */
export function describeCert(cert: CertificateModel, depth: number | undefined): string {
  const subject = cert.subject.isEmpty ? '(empty subject)' : `"${cert.subject.toString()}"`;
  if (depth === undefined) return `certificate ${subject}`;
  return depth === 0 ? `leaf certificate ${subject}` : `certificate ${subject} at depth ${depth}`;
}

/** Turns a problem found on `cert` at `depth` into the public error. */
export function toError(p: Problem, cert: CertificateModel | undefined, depth: number | undefined): ClientCertError {
  const message = cert === undefined ? p.message : `${describeCert(cert, depth)}: ${p.message}`;
  const details = cert === undefined ? undefined : { depth, certSha256: cert.sha256 };
  return new ClientCertError(p.code, message, details === undefined ? undefined : { details });
}
