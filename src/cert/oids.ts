/** Object identifiers certgate names, and their conventional names. */

/** Name attribute types: OID → short name (OpenSSL / RFC 4514 spelling). */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.840.113549.1.9.2': 'unstructuredName',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

/** Lowercased short names and aliases (E, email, S, surname, givenName, ...) → OID. */
export const ATTRIBUTE_OIDS: ReadonlyMap<string, string> = new Map<string, string>([
  ...Object.entries(ATTRIBUTE_NAMES).map(([oid, name]): [string, string] => [name.toLowerCase(), oid]),
  ['commonname', '2.5.4.3'],
  ['surname', '2.5.4.4'],
  ['countryname', '2.5.4.6'],
  ['localityname', '2.5.4.7'],
  ['s', '2.5.4.8'],
  ['stateorprovincename', '2.5.4.8'],
  ['streetaddress', '2.5.4.9'],
  ['organizationname', '2.5.4.10'],
  ['organizationalunitname', '2.5.4.11'],
  ['givenname', '2.5.4.42'],
  ['userid', '0.9.2342.19200300.100.1.1'],
  ['domaincomponent', '0.9.2342.19200300.100.1.25'],
  ['e', '1.2.840.113549.1.9.1'],
  ['email', '1.2.840.113549.1.9.1'],
]);

/** Certificate extensions. */
export const EXT = {
  subjectDirectoryAttributes: '2.5.29.9',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCrl: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  tlsFeature: '1.3.6.1.5.5.7.1.24',
} as const;

/** Extension OID → name, for display. */
export const EXTENSION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EXT).map(([name, oid]) => [oid, name]),
);

/** Extended key usage purposes. */
export const EKU = {
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  msSmartcardLogon: '1.3.6.1.4.1.311.20.2.2',
  msDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
} as const;

export const EKU_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EKU).map(([name, oid]) => [oid, name]),
);

/** Access methods (AIA). */
export const ACCESS_METHOD = {
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
} as const;

/** The anyPolicy policy identifier. */
export const ANY_POLICY = '2.5.29.32.0';
