/**
 * A yes/no answer per prototype object, computed once: how certgate remembers what it found out
 * about a request's prototype chain (an Express app's request prototype, Node's, ...).
 *
 * The answer is kept on the prototype itself, under a non-enumerable symbol: a prototype's hidden
 * class is shared by all its requests, so the read is a cached load. A WeakMap lookup cost ~0.4 µs
 * more per request in a server (and a WeakRef's `deref()` more). The entry names the prototype
 * it was made for, so a prototype that inherits another's entry is not mistaken for it. A
 * prototype that takes no property (frozen) uses a WeakMap.
 */
import { defineHidden } from './hidden-property.js';

interface Entry {
  readonly proto: object;
  readonly answer: boolean;
}

export function prototypeMemo(name: string, compute: (proto: object) => boolean): (proto: object) => boolean {
  const key = Symbol(name);
  const answers = new WeakMap<object, boolean>();
  return (proto) => {
    const entry = (proto as { [key]?: Entry })[key];
    if (entry !== undefined && entry.proto === proto) return entry.answer;
    let answer = answers.get(proto);
    if (answer === undefined) {
      answer = compute(proto);
      if (!defineHidden(proto, key, { proto, answer })) answers.set(proto, answer);
    }
    return answer;
  };
}
