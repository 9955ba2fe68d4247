/**
 * A bounded least-recently-used map with optional per-entry expiry.
 *
 * Every cache in certgate (parsed certificates, verdicts by chain or header hash) goes through
 * this one, so that no input can grow memory without bound.
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, { value: V; expiresAt: number }>();
  /** The most recently used key: a hit on it needs no reordering (the common case on a hot path). */
  #newest: K | undefined;

  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new TypeError(`Lru size must be a positive integer, got ${String(max)}`);
    }
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value for `key`, or undefined when absent or expired at `now` (ms since epoch). */
  get(key: K, now: number = Date.now()): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    if (key !== this.#newest) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.#map.delete(key);
      this.#map.set(key, entry);
      this.#newest = key;
    }
    return entry.value;
  }

  /** Store `value`; it is never returned at or after `expiresAt` (ms since epoch). */
  set(key: K, value: V, expiresAt: number = Number.POSITIVE_INFINITY): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expiresAt });
    this.#newest = key;
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  /** Values from least to most recently used, without changing recency (per-entry expiry is not checked). */
  *values(): IterableIterator<V> {
    for (const entry of this.#map.values()) yield entry.value;
  }

  delete(key: K): boolean {
    if (key === this.#newest) this.#newest = undefined;
    return this.#map.delete(key);
  }

  clear(): void {
    this.#newest = undefined;
    this.#map.clear();
  }
}
