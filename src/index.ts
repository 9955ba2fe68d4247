/**
 * certgate: trust an API caller by the TLS client certificate it presents.
 *
 * This is the one public entry; subpath exports are listed in package.json.
 */
export { ClientCertError, ERROR_CODES, isClientCertError } from './errors.js';
export type { ClientCertErrorCode, ClientCertErrorDetails } from './errors.js';
export type * from './cert/types.js';
export { Certificate, MAX_CERTIFICATE_SIZE } from './cert/certificate.js';
export { parseCertificate, parseCertificates, readCertificatesFile } from './cert/parse.js';
export { MAX_INPUT_SIZE } from './cert/input.js';
export { readPkcs12 } from './cert/pkcs12.js';
export type { Pkcs12Certificate, Pkcs12Contents, ReadPkcs12Options } from './cert/pkcs12.js';
export { createVerifier, verifyChain, DEFAULT_MAX_DEPTH } from './verify/chain.js';
export type {
  CertificateInput,
  CertificateSource,
  Purpose,
  Verifier,
  VerifierOptions,
  VerifyChainOptions,
  VerifyFailure,
  VerifyPolicyOptions,
  VerifyResult,
  VerifySuccess,
} from './verify/chain.js';
