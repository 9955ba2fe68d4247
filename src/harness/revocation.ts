/**
 * The harness's revocation responders: one HTTP server on 127.0.0.1 that serves, for every CA of a
 * test PKI's manifest (`revocation.authorities`), a freshly signed CRL at /crl/<ca>.crl, an OCSP
 * responder at /ocsp/<ca> (POST, and GET with the base64 request in the path, RFC 6960 A.1) and
 * the CA certificate at /ca/<ca>.cer. Responses are signed with pkijs (OCSP) and @peculiar/x509
 * (CRLs) using the TEST keys of the PKI; the intermediate answers through its delegated responder.
 *
 * Faults for tests: `responder.fault = 'down' | 'slow' | 'garbage' | 'wrong-key' | 'stale' |
 * 'unknown' | 'http-error'`, and per-path request counters. Everything here is TEST-ONLY.
 */
import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseCertificate } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { authorityKeyId } from './issue.js';
import { cryptoSigningKey } from './keys.js';
import type { TestPki } from './pki.js';
import * as x509 from './x509.js';

/** A fault the responders simulate. */
export type ResponderFault =
  /** Normal operation. */
  | 'none'
  /** Connections are accepted and closed without an answer. */
  | 'down'
  /** Answers after `slowMs`. */
  | 'slow'
  /** 200 with bytes that are no CRL or OCSP response. */
  | 'garbage'
  /** Correctly shaped answers signed with a key that is not the CA's (nor its responder's). */
  | 'wrong-key'
  /** Answers whose nextUpdate has passed. */
  | 'stale'
  /** OCSP answers "unknown" for every certificate (CRLs are served normally). */
  | 'unknown'
  /** HTTP 500. */
  | 'http-error';

/** Options of `startRevocationResponder`. */
export interface RevocationResponderOptions {
  /** The test PKI whose CAs answer. Can also be set later with `load()`. */
  readonly pki?: TestPki;
  /** Port on 127.0.0.1 (default 0: an ephemeral port). */
  readonly port?: number;
  /** Delay of the 'slow' fault, ms (default 3000). */
  readonly slowMs?: number;
  /** Lifetime of the CRLs and OCSP answers served (nextUpdate - thisUpdate), seconds. Default 3600. */
  readonly validitySeconds?: number;
}

const OID_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const REASONS: Readonly<Record<string, number>> = { unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4, cessationOfOperation: 5, certificateHold: 6, privilegeWithdrawn: 9, aACompromise: 10 };
const MAX_REQUEST_BYTES = 16 * 1024;

interface Signer {
  readonly certDer: Uint8Array;
  readonly model: CertificateModel;
  readonly key: KeyObject;
}

interface CaState {
  readonly id: string;
  readonly ca: Signer;
  readonly delegate: Signer | undefined;
  readonly revoked: ReadonlyMap<string, { readonly revokedAt: Date; readonly reason: string }>;
  readonly nameHash: Buffer;
  readonly keyHash: Buffer;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Serial hex without leading zero octets, uppercase (the manifest and the parser may differ in the sign octet). */
function serialKey(hex: string): string {
  return hex.toUpperCase().replace(/^(00)+(?=..)/, '');
}

function keyBits(cert: CertificateModel): Buffer {
  const spki = pkijs.PublicKeyInfo.fromBER(toArrayBuffer(cert.publicKey.spkiDer));
  return Buffer.from(spki.subjectPublicKey.valueBlock.valueHexView);
}

// Imported signing keys per private key: importing costs more than signing.
const signingKeys = new WeakMap<KeyObject, ReturnType<typeof cryptoSigningKey>>();
function signingKeyFor(key: KeyObject): ReturnType<typeof cryptoSigningKey> {
  let found = signingKeys.get(key);
  if (found === undefined) {
    found = cryptoSigningKey(key, 'SHA-256');
    signingKeys.set(key, found);
  }
  return found;
}

/** A key nobody trusts, for the 'wrong-key' fault (generated once per process). */
let wrongKey: Promise<KeyObject> | undefined;
function impostorKey(): Promise<KeyObject> {
  wrongKey ??= webcrypto.subtle
    .generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])
    .then(async (pair) => createPrivateKey({ key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey)), format: 'der', type: 'pkcs8' }));
  return wrongKey;
}

/**
 * Signs a CRL for `issuer` listing `entries` (TEST harness). Shared by the PKI generator (the
 * committed CRL files) and the responders (fresh CRLs on every download).
 */
export async function signTestCrl(params: {
  readonly issuerCertDer: Uint8Array;
  readonly issuerKey: KeyObject;
  readonly entries: ReadonlyArray<{ readonly serial: string; readonly revokedAt: Date; readonly reason: string }>;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber?: number;
  /** Sign with this key instead (a forgery that still names the issuer's key in its AKI). */
  readonly forgeWith?: KeyObject;
}): Promise<Uint8Array> {
  const issuer = new x509.X509Certificate(toArrayBuffer(params.issuerCertDer));
  const signingKey = await signingKeyFor(params.forgeWith ?? params.issuerKey);
  const spki = new Uint8Array(createPublicKey(params.issuerKey).export({ format: 'der', type: 'spki' }));
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: issuer.subjectName,
      thisUpdate: params.thisUpdate,
      nextUpdate: params.nextUpdate,
      signingKey,
      signingAlgorithm: signingKey.algorithm,
      entries: params.entries.map((e) => ({ serialNumber: e.serial, revocationDate: e.revokedAt, reason: REASONS[e.reason] ?? 0 })),
      extensions: [authorityKeyId(spki), new x509.Extension('2.5.29.20', false, new asn1js.Integer({ value: params.crlNumber ?? 1 }).toBER(false))],
    },
    globalThis.crypto,
  );
  return new Uint8Array(crl.rawData);
}

/** The local CRL server and OCSP responder of the harness. Start with `startRevocationResponder()`. */
export class RevocationResponder {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  /** The fault simulated now (default 'none'). */
  fault: ResponderFault = 'none';
  /** Requests served per kind. */
  readonly requests = { ocsp: 0, crl: 0, ca: 0 };
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #slowMs: number;
  readonly #validityMs: number;
  #cas = new Map<string, CaState>();

  /** @internal use startRevocationResponder() */
  constructor(server: http.Server, options: RevocationResponderOptions) {
    this.#server = server;
    this.#slowMs = options.slowMs ?? 3000;
    this.#validityMs = (options.validitySeconds ?? 3600) * 1000;
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
  }

  /** Serves the CAs of `pki` (replacing any served before). */
  load(pki: TestPki): void {
    const cas = new Map<string, CaState>();
    for (const [id, auth] of Object.entries(pki.manifest.revocation.authorities)) {
      const authority = pki.manifest.authorities[id];
      if (authority === undefined) continue;
      const signer = (certPath: string, keyPath: string): Signer => {
        const certDer = parseCertificate(pki.file(certPath)).der;
        return { certDer, model: parseCertificate(certDer), key: createPrivateKey(pki.text(keyPath)) };
      };
      const ca = signer(authority.cert, authority.key);
      cas.set(id, {
        id,
        ca,
        delegate: auth.ocspResponder === undefined ? undefined : signer(auth.ocspResponder.cert, auth.ocspResponder.key),
        revoked: new Map(auth.revoked.map((r) => [serialKey(r.serial), { revokedAt: new Date(r.revokedAt), reason: r.reason }])),
        nameHash: createHash('sha1').update(ca.model.subject.der).digest(),
        keyHash: createHash('sha1').update(keyBits(ca.model)).digest(),
      });
    }
    this.#cas = cas;
    // Warm up what answering needs (pkijs, key import, the impostor key) so the first answer is not slow.
    void impostorKey().then(signingKeyFor, () => undefined);
    for (const ca of cas.values()) for (const s of [ca.ca, ca.delegate]) if (s !== undefined) void signingKeyFor(s.key).catch(() => undefined);
  }

  /** Stops the server and drops open connections. */
  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const crl = /^\/crl\/([A-Za-z0-9._-]+)\.crl$/.exec(path);
    const ocsp = /^\/ocsp\/([A-Za-z0-9._-]+)(?:\/(.+))?$/.exec(path);
    const caCert = /^\/ca\/([A-Za-z0-9._-]+)\.cer$/.exec(path);
    if (crl !== null) this.requests.crl += 1;
    else if (ocsp !== null) this.requests.ocsp += 1;
    else if (caCert !== null) this.requests.ca += 1;
    const body = req.method === 'POST' ? await readBody(req) : undefined;

    const fault = this.fault;
    if (fault === 'down') {
      req.socket.destroy();
      return;
    }
    if (fault === 'slow') await new Promise((resolve) => setTimeout(resolve, this.#slowMs).unref());
    if (fault === 'http-error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('TEST responder: simulated internal error\n');
      return;
    }
    const state = this.#cas.get((crl ?? ocsp ?? caCert)?.[1] ?? '');
    if (state === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (fault === 'garbage') {
      res.writeHead(200, { 'content-type': crl !== null ? 'application/pkix-crl' : 'application/ocsp-response' }).end(Buffer.from('0\x82\x10\x00TEST garbage, not DER at all'));
      return;
    }
    if (caCert !== null) {
      res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(state.ca.certDer);
      return;
    }
    const now = Math.floor(Date.now() / 1000) * 1000; // whole seconds: RFC 5280 times have no fractions
    const thisUpdate = new Date(fault === 'stale' ? now - 2 * this.#validityMs : now - 60_000);
    const nextUpdate = new Date(fault === 'stale' ? now - this.#validityMs : now + this.#validityMs);
    const signingKey = fault === 'wrong-key' ? await impostorKey() : undefined;
    if (crl !== null) {
      const der = await signTestCrl({
        issuerCertDer: state.ca.certDer,
        issuerKey: state.ca.key,
        ...(signingKey === undefined ? {} : { forgeWith: signingKey }),
        entries: [...state.revoked].map(([serial, r]) => ({ serial, revokedAt: r.revokedAt, reason: r.reason })),
        thisUpdate,
        nextUpdate,
        crlNumber: Math.floor(now / 1000),
      });
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(der);
      return;
    }
    let requestDer: Uint8Array | undefined = body;
    if (req.method === 'GET' && ocsp?.[2] !== undefined) requestDer = Buffer.from(decodeURIComponent(ocsp[2]), 'base64');
    if (requestDer === undefined) {
      res.writeHead(405, { allow: 'POST, GET' }).end();
      return;
    }
    const der = await this.#ocspResponse(state, requestDer, fault, thisUpdate, nextUpdate, signingKey);
    res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(der);
  }

  async #ocspResponse(state: CaState, requestDer: Uint8Array, fault: ResponderFault, thisUpdate: Date, nextUpdate: Date, wrong: KeyObject | undefined): Promise<Uint8Array> {
    let request: pkijs.OCSPRequest;
    try {
      request = pkijs.OCSPRequest.fromBER(toArrayBuffer(requestDer));
    } catch {
      return statusOnly(1); // malformedRequest
    }
    const single = request.tbsRequest.requestList[0];
    if (single === undefined || request.tbsRequest.requestList.length !== 1) return statusOnly(1);
    const certId = single.reqCert;
    const hashName = certId.hashAlgorithm.algorithmId === '2.16.840.1.101.3.4.2.1' ? 'sha256' : 'sha1';
    const nameHash = Buffer.from(certId.issuerNameHash.valueBlock.valueHexView);
    const keyHash = Buffer.from(certId.issuerKeyHash.valueBlock.valueHexView);
    const ours = hashName === 'sha1' ? { n: state.nameHash, k: state.keyHash } : { n: createHash('sha256').update(state.ca.model.subject.der).digest(), k: createHash('sha256').update(keyBits(state.ca.model)).digest() };
    if (!nameHash.equals(ours.n) || !keyHash.equals(ours.k)) return statusOnly(6); // unauthorized: not our CA
    const serial = serialKey(Buffer.from(certId.serialNumber.valueBlock.valueHexView).toString('hex'));
    const revoked = state.revoked.get(serial);

    let certStatus: asn1js.BaseBlock;
    if (fault === 'unknown') certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
    else if (revoked !== undefined) {
      certStatus = new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.GeneralizedTime({ valueDate: revoked.revokedAt }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: REASONS[revoked.reason] ?? 0 })] })],
      });
    } else certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });

    const signer = state.delegate ?? state.ca;
    const basic = new pkijs.BasicOCSPResponse();
    if (state.delegate !== undefined) {
      // By name, with the delegated responder's certificate attached.
      basic.tbsResponseData.responderID = pkijs.RelativeDistinguishedNames.fromBER(toArrayBuffer(signer.model.subject.der));
      basic.certs = [pkijs.Certificate.fromBER(toArrayBuffer(signer.certDer))];
    } else {
      basic.tbsResponseData.responderID = new asn1js.OctetString({ valueHex: toArrayBuffer(createHash('sha1').update(keyBits(signer.model)).digest()) });
    }
    basic.tbsResponseData.producedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    basic.tbsResponseData.responses = [
      new pkijs.SingleResponse({ certID: certId, certStatus, thisUpdate, nextUpdate }),
    ];
    const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID_NONCE);
    if (nonce !== undefined) basic.tbsResponseData.responseExtensions = [new pkijs.Extension({ extnID: OID_NONCE, extnValue: nonce.extnValue.valueBlock.valueHexView.slice().buffer })];
    const key = await signingKeyFor(wrong ?? signer.key);
    await basic.sign(key as unknown as Parameters<pkijs.BasicOCSPResponse["sign"]>[0], 'SHA-256', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] }));
    const response = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: 0 }),
      responseBytes: new pkijs.ResponseBytes({ responseType: OID_BASIC, response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }) }),
    });
    return new Uint8Array(response.toSchema().toBER(false));
  }
}

function statusOnly(status: number): Uint8Array {
  return new Uint8Array(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) }).toSchema().toBER(false));
}

function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_REQUEST_BYTES) {
        req.destroy();
        reject(new Error('request too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts the CRL server and OCSP responder on 127.0.0.1 (port 0 by default). Load a PKI with
 * `options.pki` or later with `responder.load(pki)`; a PKI generated with
 * `revocationBaseUrl: responder.url` makes its certificates point here.
 */
export async function startRevocationResponder(options: RevocationResponderOptions = {}): Promise<RevocationResponder> {
  const server = http.createServer();
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const responder = new RevocationResponder(server, options);
  if (options.pki !== undefined) responder.load(options.pki);
  return responder;
}
