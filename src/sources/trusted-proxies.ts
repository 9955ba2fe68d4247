/**
 * Which peers may forward a client certificate: addresses and CIDR ranges matched on the socket's
 * remote address with `proxy-addr` (the matcher behind Express's `trust proxy`), so the same
 * values work in both places: `'loopback'`, `'linklocal'`, `'uniquelocal'`, `'10.0.0.0/8'`,
 * `'::1'`, `'192.168.1.0/255.255.255.0'`, a comma-separated string or an array. An IPv4-mapped
 * IPv6 peer (`::ffff:10.0.0.2`) matches the IPv4 ranges.
 *
 * Refused, because they would let anyone forge a certificate: `true`, hop counts, an empty list
 * and catch-all ranges (`0.0.0.0/0`, `::/0`). Whoever really means "every peer" (the network
 * guarantees that only the proxy can connect) says so with a function.
 */
import proxyAddr from 'proxy-addr';
import { ClientCertError } from '../errors.js';

/** Addresses/CIDRs (array or comma-separated string), or a predicate on the peer address. */
export type TrustedProxies = string | readonly string[] | ((address: string) => boolean);

function configError(message: string): ClientCertError {
  return new ClientCertError('CONFIG_INVALID', `option "source.trustedProxies" ${message}`);
}

const CATCH_ALL = /^(?:0\.0\.0\.0\/0|::\/0|::ffff:0\.0\.0\.0\/96|0\.0\.0\.0\/0\.0\.0\.0)$/i;

/**
 * A predicate on the socket's remote address. Never throws when called: an address that does
 * not parse, or a user predicate that throws, is untrusted.
 *
 * @throws ClientCertError CONFIG_INVALID for a value that trusts nobody, everybody, or does not parse.
 */
export function compileTrustedProxies(value: unknown): (address: string | undefined) => boolean {
  if (typeof value === 'function') {
    const fn = value as (address: string) => unknown;
    return (address) => {
      if (address === undefined) return false;
      try {
        return fn(address) === true;
      } catch {
        return false;
      }
    };
  }
  if (value === true) {
    throw configError('must list the proxies\' addresses: true would trust every peer to forward any certificate (pass a function if the network guarantees that only the proxy can connect)');
  }
  if (typeof value === 'number') {
    throw configError(`must list the proxies' addresses: a hop count (${value}) says nothing about the peer that sends the certificate header`);
  }
  let list: string[];
  if (typeof value === 'string') list = value.split(',');
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) list = (value as string[]).flatMap((v) => v.split(','));
  else throw configError(`must be addresses or CIDR ranges (an array or a comma-separated string, e.g. ['loopback', '10.0.0.0/8']) or a function, found ${value === null ? 'null' : Array.isArray(value) ? 'an array with a non-string item' : typeof value}`);
  list = list.map((v) => v.trim()).filter((v) => v.length > 0);
  if (list.length === 0) throw configError('is empty: name at least one proxy address (e.g. "loopback" or "10.0.0.0/8")');
  for (const item of list) {
    if (CATCH_ALL.test(item)) {
      throw configError(`"${item}" trusts every peer to forward any certificate; list the proxies, or pass a function if the network guarantees that only the proxy can connect`);
    }
  }
  let trust: (address: string, index: number) => boolean;
  try {
    trust = proxyAddr.compile(list);
  } catch (error) {
    throw configError(`has an entry that is not an address, a CIDR range or loopback/linklocal/uniquelocal: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (address) => {
    if (address === undefined) return false;
    try {
      return trust(address, 0);
    } catch {
      return false;
    }
  };
}
