/**
 * Structure-aware mutation of real DER (certificates, PKCS#12 archives) for fuzzing: the input is
 * decoded into a TLV tree (also into OCTET STRING / BIT STRING contents that are themselves DER,
 * such as extension values), a few mutations are applied to nodes, and the tree is encoded again,
 * either with consistent lengths (the damage is inside, where only a real parser finds it) or with
 * tampered ones. Byte-level flips and truncation come on top.
 *
 * Mutations are plain records of numbers so that fast-check can shrink a failing case.
 */
import fc from 'fast-check';

type LengthMode = { readonly kind: 'der' } | { readonly kind: 'indefinite' } | { readonly kind: 'octets'; readonly n: number } | { readonly kind: 'delta'; readonly d: number };

export interface DerNode {
  tag: number;
  /** Bytes before the children inside the content (the unused-bits octet of a BIT STRING). */
  prefix: Uint8Array;
  children: DerNode[] | undefined;
  content: Uint8Array;
  length: LengthMode;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Decodes `bytes` (all of it) into TLV nodes, or undefined when it is not a clean DER sequence of elements. */
export function decodeTree(bytes: Uint8Array, depth = 0): DerNode[] | undefined {
  const out: DerNode[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const tag = bytes[pos];
    const first = bytes[pos + 1];
    if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return undefined;
    let length: number;
    let header: number;
    if (first < 0x80) {
      length = first;
      header = 2;
    } else {
      const n = first & 0x7f;
      if (n === 0 || n > 4) return undefined;
      length = 0;
      for (let i = 0; i < n; i++) {
        const b = bytes[pos + 2 + i];
        if (b === undefined) return undefined;
        length = length * 256 + b;
      }
      header = 2 + n;
    }
    const end = pos + header + length;
    if (end > bytes.length) return undefined;
    const content = bytes.subarray(pos + header, end);
    let children: DerNode[] | undefined;
    let prefix: Uint8Array = EMPTY;
    if (depth < 40) {
      if ((tag & 0x20) !== 0) {
        children = decodeTree(content, depth + 1);
        if (children === undefined) return undefined;
      } else if (tag === 0x04 && content.length > 1 && (content[0] === 0x30 || content[0] === 0x31)) {
        children = decodeTree(content, depth + 1);
      } else if (tag === 0x03 && content.length > 2 && content[0] === 0 && content[1] === 0x30) {
        children = decodeTree(content.subarray(1), depth + 1);
        if (children !== undefined) prefix = content.subarray(0, 1);
      }
    }
    out.push({ tag, prefix, children, content, length: { kind: 'der' } });
    pos = end;
  }
  return out;
}

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

export function encodeTree(nodes: readonly DerNode[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const node of nodes) {
    const inner = node.children === undefined ? node.content : Buffer.concat([node.prefix, encodeTree(node.children)]);
    let header: number[];
    let trailer: number[] = [];
    switch (node.length.kind) {
      case 'der':
        header = lengthOctets(inner.length);
        break;
      case 'indefinite':
        header = [0x80];
        trailer = [0, 0];
        break;
      case 'octets': {
        const n = node.length.n;
        const octets: number[] = [];
        for (let i = 0, v = inner.length; i < n; i++, v = Math.floor(v / 256)) octets.unshift(v & 0xff);
        header = [0x80 | n, ...octets];
        break;
      }
      case 'delta':
        header = lengthOctets(Math.max(0, inner.length + node.length.d));
        break;
    }
    parts.push(Buffer.from([node.tag, ...header]), inner, Buffer.from(trailer));
  }
  return Buffer.concat(parts);
}

function flatten(nodes: DerNode[], out: { node: DerNode; siblings: DerNode[]; index: number }[] = []): { node: DerNode; siblings: DerNode[]; index: number }[] {
  nodes.forEach((node, index) => {
    out.push({ node, siblings: nodes, index });
    if (node.children !== undefined) flatten(node.children, out);
  });
  return out;
}

/** One tree mutation; `at` picks the node (modulo the node count), `a` and `b` parametrise it. */
export interface TreeMutation {
  readonly op: number;
  readonly at: number;
  readonly a: number;
  readonly b: number;
}

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0x80, 0x81, 0x82, 0x86, 0x87, 0xa0, 0xa1, 0xa3, 0x00, 0xff];

function applyTreeMutation(roots: DerNode[], m: TreeMutation): void {
  const nodes = flatten(roots);
  const picked = nodes[m.at % nodes.length];
  if (picked === undefined) return;
  const { node, siblings, index } = picked;
  switch (m.op % 12) {
    case 0: // length encoding: indefinite, non-minimal long form, off by a delta
      node.length = m.a % 3 === 0 ? { kind: 'indefinite' } : m.a % 3 === 1 ? { kind: 'octets', n: 1 + (m.b % 5) } : { kind: 'delta', d: (m.b % 9) - 4 || 1 };
      break;
    case 1: // tag changed
      node.tag = TAGS[m.a % TAGS.length] as number;
      break;
    case 2: // content truncated (children dropped from the end, or primitive bytes cut)
      if (node.children !== undefined) node.children.splice(m.a % (node.children.length + 1));
      else node.content = node.content.subarray(0, m.a % (node.content.length + 1));
      break;
    case 3: // node removed
      siblings.splice(index, 1);
      break;
    case 4: // node duplicated (up to 64 copies)
      siblings.splice(index, 0, ...Array.from({ length: 1 + (m.a % 64) }, () => structuredClone(node)));
      break;
    case 5: // nested inside SEQUENCEs (deep nesting)
      {
        let wrapped: DerNode = node;
        for (let i = 0; i < 1 + (m.a % 300); i++) wrapped = { tag: 0x30, prefix: EMPTY, children: [wrapped], content: EMPTY, length: { kind: 'der' } };
        siblings[index] = wrapped;
      }
      break;
    case 6: // primitive content replaced by a long run (huge INTEGERs, long strings)
      node.children = undefined;
      node.content = new Uint8Array(1 + ((m.a * 97) % 6000)).fill(m.b & 0xff);
      break;
    case 7: // a bit flipped inside primitive content
      if (node.children === undefined && node.content.length > 0) {
        const copy = Uint8Array.from(node.content);
        const i = m.a % copy.length;
        copy[i] = (copy[i] as number) ^ (1 << (m.b % 8));
        node.content = copy;
      }
      break;
    case 8: // two siblings swapped
      if (siblings.length > 1) {
        const j = m.a % siblings.length;
        [siblings[index], siblings[j]] = [siblings[j] as DerNode, siblings[index] as DerNode];
      }
      break;
    case 9: // encapsulated DER flattened to opaque bytes (then primitive flips hit the inner headers)
      if (node.children !== undefined) {
        node.content = encodeTree([{ ...node, length: { kind: 'der' } }]).subarray(2);
        node.children = undefined;
      }
      break;
    case 10: // empty content
      node.children = node.children === undefined ? undefined : [];
      node.content = EMPTY;
      break;
    default: // an element grafted from elsewhere in the tree
      {
        const donor = nodes[m.a % nodes.length];
        if (donor !== undefined && donor.node !== node) siblings.splice(index + 1, 0, structuredClone(donor.node));
      }
      break;
  }
}

/** A byte-level mutation after encoding. */
export interface ByteMutation {
  readonly kind: number;
  readonly at: number;
  readonly value: number;
}

function applyByteMutation(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  if (bytes.length === 0) return bytes;
  const at = m.at % bytes.length;
  switch (m.kind % 4) {
    case 0: {
      const copy = Uint8Array.from(bytes);
      copy[at] = (copy[at] as number) ^ (1 << (m.value % 8));
      return copy;
    }
    case 1: {
      const copy = Uint8Array.from(bytes);
      copy[at] = m.value & 0xff;
      return copy;
    }
    case 2:
      return bytes.subarray(0, at);
    default:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([m.value & 0xff]), bytes.subarray(at)]);
  }
}

const treeMutation = fc.record({ op: fc.nat(), at: fc.nat(), a: fc.nat(), b: fc.nat() });
const byteMutation = fc.record({ kind: fc.nat(), at: fc.nat(), value: fc.nat(255) });

/** Applies the mutations to a copy of `base`. */
export function mutate(base: Uint8Array, tree: readonly TreeMutation[], bytes: readonly ByteMutation[]): Uint8Array {
  const roots = decodeTree(base);
  let out = base;
  if (roots !== undefined && tree.length > 0) {
    for (const m of tree) applyTreeMutation(roots, m);
    out = encodeTree(roots);
  }
  for (const m of bytes) out = applyByteMutation(out, m);
  return out;
}

/**
 * Mutants of the given DER documents: 1-4 tree mutations and/or 0-3 byte mutations. Inputs stay
 * under `maxBytes` (a mutant that grew beyond is cut there, which is one more truncation).
 */
export function derMutant(bases: readonly Uint8Array[], maxBytes = 256 * 1024): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      base: fc.nat(bases.length - 1),
      tree: fc.array(treeMutation, { minLength: 0, maxLength: 4 }),
      bytes: fc.array(byteMutation, { minLength: 0, maxLength: 3 }),
    })
    .filter((r) => r.tree.length + r.bytes.length > 0)
    .map((r) => {
      const out = mutate(bases[r.base] as Uint8Array, r.tree, r.bytes);
      return out.length > maxBytes ? out.subarray(0, maxBytes) : out;
    });
}
