/**
 * Turns what undici and the socket reported into one ClientCertError with a reason a person can
 * act on: refused, timed out, server certificate not trusted, client certificate rejected.
 */
import { ClientCertError } from '../errors.js';

/** How far the connection got before it failed. */
export interface ConnectionProgress {
  tcpConnected: boolean;
  tlsEstablished: boolean;
  headersReceived: boolean;
  /** Errors the socket emitted (often more precise than undici's "other side closed"). */
  readonly socketErrors: Array<{ code: string | undefined; message: string }>;
}

/** X.509 verification results OpenSSL reports for the server certificate (Node uses them as codes). */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const CONNECT_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens there)',
  ECONNRESET: 'the connection was reset by the server',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (temporary DNS failure)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available',
  EPIPE: 'the server closed the connection while the request was being sent',
};

/** The error to throw for a failed request to `target` (host:port). */
export function classifyNetworkError(error: unknown, progress: ConnectionProgress, target: string, timeoutMs: number, timedOut: boolean): ClientCertError {
  const outer = errorFacts(error);
  const tlsSocketError = progress.socketErrors.find((e) => e.code !== undefined && (e.code.startsWith('ERR_SSL_') || SERVER_CERT_CODES.has(e.code)));
  const details = (phase: string, cause: string | undefined) => ({ phase, target, ...(cause === undefined ? {} : { cause }) });

  if (timedOut || outer.code === 'UND_ERR_CONNECT_TIMEOUT' || outer.code === 'UND_ERR_HEADERS_TIMEOUT' || outer.code === 'UND_ERR_BODY_TIMEOUT') {
    const phase = !progress.tcpConnected ? 'connect' : !progress.tlsEstablished && progress.tcpConnected && tlsExpected(target) ? 'tls' : !progress.headersReceived ? 'headers' : 'body';
    return new ClientCertError('REQUEST_TIMEOUT', `${target}: no ${phase === 'body' ? 'complete body' : phase === 'headers' ? 'response' : `${phase} completion`} within ${timeoutMs} ms`, {
      cause: error,
      details: details(phase, outer.code),
    });
  }

  const serverCertCode = [outer.code, ...progress.socketErrors.map((e) => e.code)].find((code) => code !== undefined && SERVER_CERT_CODES.has(code));
  if (serverCertCode !== undefined) {
    return new ClientCertError(
      'TLS_HANDSHAKE_FAILED',
      `${target}: the server's certificate is not trusted (${serverCertCode}: ${outer.code === serverCertCode ? outer.message : progress.socketErrors.find((e) => e.code === serverCertCode)?.message.trim() ?? ''}); pass its CA with --ca / ca (--trust-pki-server / trustPkiServer for the test PKI's servers), or --insecure / insecure for a local experiment`,
      { cause: error, details: details('tls', serverCertCode) },
    );
  }

  const alert = tlsSocketError ?? (outer.code?.startsWith('ERR_SSL_') === true ? { code: outer.code, message: outer.message } : undefined);
  if (alert?.code !== undefined) {
    const phase = progress.tlsEstablished ? 'tls-after-handshake' : 'tls';
    return new ClientCertError('TLS_HANDSHAKE_FAILED', `${target}: ${describeTlsAlert(alert.code)} (${alert.code})`, { cause: error, details: details(phase, alert.code) });
  }

  const connectReason = outer.code === undefined ? undefined : CONNECT_CODES[outer.code];
  if (connectReason !== undefined) {
    return new ClientCertError('CONNECTION_FAILED', `${target}: ${connectReason} (${outer.code})`, { cause: error, details: details(progress.tcpConnected ? 'request' : 'connect', outer.code) });
  }

  if (outer.code === 'UND_ERR_SOCKET' && progress.tlsEstablished && !progress.headersReceived) {
    // TLS 1.3 finishes the client's side of the handshake before the server has checked the
    // client certificate, so a TLS-level rejection often looks like this from here.
    return new ClientCertError(
      'TLS_HANDSHAKE_FAILED',
      `${target}: the server closed the connection right after the TLS handshake, before any HTTP answer; a server that checks client certificates in TLS does this when it rejects the certificate (or its absence)`,
      { cause: error, details: details('after-handshake', outer.code) },
    );
  }
  return new ClientCertError('CONNECTION_FAILED', `${target}: the request failed (${outer.code === undefined ? '' : `${outer.code}: `}${outer.message})`, {
    cause: error,
    details: details(progress.headersReceived ? 'body' : progress.tcpConnected ? 'request' : 'connect', outer.code),
  });
}

/** The TLS alerts a client meets in practice, in words. */
function describeTlsAlert(code: string): string {
  if (code.includes('CERTIFICATE_REQUIRED')) return 'the server requires a client certificate and none was sent';
  if (code.includes('UNKNOWN_CA')) return 'the server does not trust the issuer of the client certificate';
  if (code.includes('CERTIFICATE_EXPIRED')) return 'the server rejected the client certificate as expired';
  if (code.includes('CERTIFICATE_REVOKED')) return 'the server rejected the client certificate as revoked';
  if (code.includes('BAD_CERTIFICATE') || code.includes('UNSUPPORTED_CERTIFICATE') || code.includes('CERTIFICATE_UNKNOWN')) {
    return 'the server rejected the client certificate during the handshake';
  }
  if (code.includes('HANDSHAKE_FAILURE') || code.includes('PROTOCOL_VERSION') || code.includes('NO_SHARED_CIPHER') || code.includes('WRONG_VERSION_NUMBER')) {
    return 'client and server could not agree on TLS parameters (is it an https server?)';
  }
  return 'the TLS connection failed';
}

function tlsExpected(target: string): boolean {
  return target.startsWith('https://');
}

function errorFacts(error: unknown): { code: string | undefined; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    return {
      code: typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : undefined,
      message: error.message,
    };
  }
  return { code: undefined, message: String(error) };
}
