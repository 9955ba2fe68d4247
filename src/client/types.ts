/**
 * Public types of the companion test client: what `request()` takes and returns.
 */

/** File contents: a path (string) or the bytes themselves. A string starting with `-----BEGIN` is PEM text. */
export type FileInput = string | Uint8Array;

/**
 * Which client certificate a request presents, mirroring an Uptrends step's "Client certificate":
 * - `'none'`: no certificate;
 * - `'uptrends'`: the test PKI's Uptrends stand-in (manifest entry `uptrends-standin`); the real
 *   Uptrends private key is, of course, not available to anyone but Uptrends;
 * - `'pki:<id>'`: any client certificate of the test PKI manifest by id (`pki:custom-client`,
 *   `pki:zoo-expired`, ...), with the intermediates its entry lists;
 * - `{ p12, password }`: a PKCS#12 archive (.p12/.pfx), like a vault "certificate archive";
 * - `{ cert, key, chain }`: PEM certificate, private key and intermediates to send.
 */
export type ClientCertChoice =
  | 'none'
  | 'uptrends'
  | `pki:${string}`
  | {
      readonly p12: FileInput;
      /** Archive password; `''` or absent for an archive without one. Never logged. */
      readonly password?: string;
      /** Name shown in results (e.g. the vault item). Defaults to the file name or "p12". */
      readonly label?: string;
    }
  | {
      readonly cert: FileInput;
      readonly key: FileInput;
      /** Intermediate certificates to send after the leaf (PEM; paths or contents). */
      readonly chain?: FileInput | readonly FileInput[];
      /** Passphrase of an encrypted PEM key. Never logged. */
      readonly passphrase?: string;
      readonly label?: string;
    };

/** A certificate described without any key material. */
export interface CertificateSummary {
  /** RFC 4514-style subject, most specific first, e.g. "CN=client1,O=Example". */
  readonly subject: string;
  readonly issuer: string;
  /** Uppercase hex, as the certificate model writes serials. */
  readonly serialNumber: string;
  /** SHA-256 of the DER, uppercase hex. */
  readonly sha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/** What a loaded client certificate offers, for results and tables. */
export interface ClientCertDescription {
  /** `none`, `uptrends`, `pki` (a manifest entry), `p12` or `pem`. */
  readonly source: 'none' | 'uptrends' | 'pki' | 'p12' | 'pem';
  /** Short name for tables: `none`, `uptrends`, `pki:<id>`, a vault item name or a file name. */
  readonly label: string;
  /** The leaf certificate, when known before connecting (PEM inputs and the stand-in). */
  readonly certificate: CertificateSummary | undefined;
  /** How many intermediates are sent after the leaf, when known. */
  readonly chainLength: number | undefined;
  /**
   * True when OpenSSL's default security level refuses the certificate (SHA-1 signature, small
   * key): it is then sent at security level 0, which also relaxes what the connection accepts
   * from the server. Meant for sending the bad-certificate zoo to a local server.
   */
  readonly weak: boolean;
}

/** Options of `request()`. */
export interface RequestOptions {
  /** HTTP method; default GET (or POST when a body is given). */
  readonly method?: string;
  /** Request headers. Values must not contain CR, LF or NUL. */
  readonly headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Uint8Array;
  /** Default `'none'`. A `LoadedClientCert` from `loadClientCert()` is reused as is. */
  readonly clientCert?: ClientCertChoice | LoadedClientCert;
  /** Trust anchors for the server certificate (PEM paths or contents); default Node's root store. */
  readonly ca?: FileInput | readonly FileInput[];
  /**
   * Also trust the test PKI's server CA (manifest `server.ca` in `pkiDir`): for calling the
   * harness's own servers (the demo) without naming the CA file.
   */
  readonly trustPkiServer?: boolean;
  /** Do not verify the server certificate. For local experiments only. */
  readonly insecure?: boolean;
  /** TLS SNI / verification name; default from the URL's host (none for IP addresses). */
  readonly servername?: string;
  /** Test PKI directory for `'uptrends'` and `'pki:<id>'`; default `$CERTGATE_PKI` or `.certgate/pki` under `cwd`. */
  readonly pkiDir?: string;
  /** Environment for `CERTGATE_PKI`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths; default `process.cwd()`. */
  readonly cwd?: string;
  /** Whole-request limit (connect, TLS, headers and body); default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Response bodies beyond this are cut (`bodyTruncated`); default 10 MiB. */
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal;
}

/** Milliseconds from the start of `request()`; phases that did not happen (reused DNS, plain HTTP) are absent. */
export interface RequestTiming {
  /** Name resolution (absent for IP literals). */
  readonly dnsMs?: number;
  /** TCP connect. */
  readonly connectMs?: number;
  /** TLS handshake. */
  readonly tlsMs?: number;
  /** Time to the response headers (time to first byte, from the start). */
  readonly headersMs: number;
  /** Until the whole body was read. */
  readonly totalMs: number;
}

/** TLS facts of the connection, absent for http URLs. */
export interface TlsDetails {
  /** e.g. "TLSv1.3". */
  readonly protocol: string | undefined;
  /** OpenSSL/IANA cipher suite name. */
  readonly cipher: string | undefined;
  /** ALPN protocol, e.g. "http/1.1". */
  readonly alpnProtocol: string | undefined;
  /** The client certificate configured on the connection (what the client offered), or undefined for none. */
  readonly clientCertificate: CertificateSummary | undefined;
  /** The server's leaf certificate. */
  readonly serverCertificate: CertificateSummary | undefined;
  /** Whether the server certificate was verified (false with `insecure`). */
  readonly serverVerified: boolean;
}

/** The fields of an RFC 9457 problem+json answer, as strings where present. */
export interface ProblemDetails {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  /** certgate's stable error code (e.g. CERT_MISSING) when the server is a certgate gate. */
  readonly code?: string;
  readonly instance?: string;
}

/** What `request()` resolves to (for any HTTP status; network failures reject). */
export interface RequestResult {
  readonly url: string;
  readonly method: string;
  readonly status: number;
  readonly statusText: string;
  /** Lowercased names; repeated headers as arrays. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The body decoded as UTF-8 (cut at `maxBodyBytes`). */
  readonly body: string;
  readonly bodyBytes: number;
  readonly bodyTruncated: boolean;
  /** The parsed body when the content type is JSON (`application/json`, `*+json`) and it parses. */
  readonly json: unknown;
  /** For `application/problem+json` answers. */
  readonly problem: ProblemDetails | undefined;
  readonly timing: RequestTiming;
  readonly tls: TlsDetails | undefined;
  readonly clientCert: ClientCertDescription;
}

/**
 * A client certificate resolved once (files read, archive password checked) and reusable across
 * requests. The TLS material is held privately and never appears in JSON, logs or inspection.
 */
export interface LoadedClientCert {
  readonly description: ClientCertDescription;
}
