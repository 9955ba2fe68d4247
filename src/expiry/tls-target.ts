/**
 * The certificate a TLS server presents, for `tls://HOST:PORT` expiry targets. The chain is not
 * judged here (an expiry check must also see an untrusted or already expired certificate), so the
 * handshake does not verify it; nothing is sent after the handshake.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { parseCertificate } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { ClientCertError, isClientCertError } from '../errors.js';

/** Connects, completes the handshake, returns the server's leaf certificate, closes. @throws ClientCertError */
export function fetchServerCertificate(host: string, port: number, options: { timeoutMs: number }): Promise<CertificateModel> {
  const where = `tls://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: ClientCertError | undefined, cert?: CertificateModel): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(cert as CertificateModel);
    };
    const socket = tls.connect({
      host,
      port,
      // SNI only for names (RFC 6066 forbids IP literals).
      ...(isIP(host) === 0 ? { servername: host } : {}),
      // Expiry is checked for any certificate, trusted or not: see the module comment.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish(new ClientCertError('REQUEST_TIMEOUT', `${where}: no TLS handshake within ${options.timeoutMs} ms`)), options.timeoutMs);
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(false)?.raw;
      if (raw === undefined || raw.length === 0) {
        finish(new ClientCertError('TLS_HANDSHAKE_FAILED', `${where}: the server presented no certificate`));
        return;
      }
      try {
        finish(undefined, parseCertificate(new Uint8Array(raw)));
      } catch (error) {
        finish(isClientCertError(error) ? new ClientCertError(error.code, `${where}: ${error.message}`) : new ClientCertError('CERT_MALFORMED', `${where}: the server certificate could not be parsed`));
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const connection = error.code !== undefined && /^E[A-Z]+$/.test(error.code) && !error.code.startsWith('ERR_');
      finish(
        new ClientCertError(
          connection ? 'CONNECTION_FAILED' : 'TLS_HANDSHAKE_FAILED',
          `${where}: ${connection ? `cannot connect (${error.code})` : `TLS handshake failed (${error.code ?? error.message})`}`,
        ),
      );
    });
    socket.once('close', () => finish(new ClientCertError('TLS_HANDSHAKE_FAILED', `${where}: the connection closed before the TLS handshake completed`)));
  });
}
