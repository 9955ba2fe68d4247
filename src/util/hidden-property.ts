/**
 * A non-enumerable, read-only property keyed by a symbol: how certgate keeps per-connection state
 * on a socket (out of inspection and of copies of the socket's properties).
 */

/** Defines `key` on `target` unless the object refuses a property (sealed, frozen, a refusing proxy); says whether it did. */
export function defineHidden(target: object, key: symbol, value: unknown): boolean {
  if (!Object.isExtensible(target)) return false;
  try {
    Object.defineProperty(target, key, { value, writable: false, enumerable: false, configurable: false });
    return true;
  } catch {
    return false;
  }
}
