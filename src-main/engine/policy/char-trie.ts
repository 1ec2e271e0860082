/**
 * Literal prefixes (or, reading backwards, suffixes) of index keys, in a radix tree: edges carry
 * whole runs of characters, so a lookup visits one node per branching point rather than one per
 * character (a lookup is memory-bound at thousands of keys). Looking a value up collects the
 * bucket of every stored literal that is a prefix (suffix) of it.
 */
export class CharTrie<T> {
  private readonly root: TrieNode<T>;

  constructor(
    private readonly reversed: boolean,
    root?: TrieNode<T>,
  ) {
    this.root = root ?? { label: '', children: null, items: null };
  }

  /**
   * A trie equal to this one but for the bucket of `literal`, which is `update(bucket)` (the current
   * bucket, empty when there is none; `update` must not change it). Only the nodes on the way to that
   * bucket are copied (a policy change costs the depth of one key, not the size of the set); this trie
   * is left as it was, so an engine built from it goes on deciding as before.
   */
  withBucket(literal: string, update: (bucket: readonly T[]) => T[]): CharTrie<T> {
    const key = this.reversed ? literal.split('').reverse().join('') : literal;
    const root = copyNode(this.root);
    let node = root;
    let pos = 0;
    for (;;) {
      if (pos === key.length) {
        const items = update(node.items ?? []);
        node.items = items.length > 0 ? items : null;
        return new CharTrie(this.reversed, root);
      }
      const code = key.charCodeAt(pos);
      const child = node.children?.get(code);
      if (!child) {
        const items = update([]);
        if (items.length > 0) {
          node.children = new Map(node.children ?? []);
          node.children.set(code, { label: key.slice(pos), children: null, items });
        }
        return new CharTrie(this.reversed, root);
      }
      const label = child.label;
      let common = 0;
      while (common < label.length && pos + common < key.length && label.charCodeAt(common) === key.charCodeAt(pos + common)) common++;
      const children = new Map(node.children!);
      node.children = children;
      if (common < label.length) {
        // Split the edge where the key leaves it (the old child is shared below a new middle node).
        const tail: TrieNode<T> = { label: label.slice(common), children: child.children, items: child.items };
        const middle: TrieNode<T> = { label: label.slice(0, common), children: new Map([[label.charCodeAt(common), tail]]), items: null };
        children.set(code, middle);
        node = middle;
      } else {
        const copy = copyNode(child);
        children.set(code, copy);
        node = copy;
      }
      pos += common;
    }
  }

  /** The bucket for `literal`, created on first use (non-empty literals only). */
  bucket(literal: string): T[] {
    // Reversed by UTF-16 unit, as `collect` reads values (by code point, a surrogate pair kept its order and never matched).
    const key = this.reversed ? literal.split('').reverse().join('') : literal;
    let node = this.root;
    let pos = 0;
    for (;;) {
      if (pos === key.length) {
        node.items ??= [];
        return node.items;
      }
      const code = key.charCodeAt(pos);
      node.children ??= new Map();
      const child = node.children.get(code);
      if (!child) {
        const leaf: TrieNode<T> = { label: key.slice(pos), children: null, items: [] };
        node.children.set(code, leaf);
        return leaf.items as T[];
      }
      const label = child.label;
      let common = 0;
      while (common < label.length && pos + common < key.length && label.charCodeAt(common) === key.charCodeAt(pos + common)) common++;
      if (common < label.length) {
        // Split the edge where the new key leaves it.
        const middle: TrieNode<T> = { label: label.slice(0, common), children: new Map([[label.charCodeAt(common), child]]), items: null };
        child.label = label.slice(common);
        node.children.set(code, middle);
        node = middle;
      } else node = child;
      pos += common;
    }
  }

  /** Pushes onto `out` the bucket of every stored literal that `value` starts (ends) with. */
  collect(value: string, out: (readonly T[])[]): void {
    const n = value.length;
    let node = this.root;
    let pos = 0;
    while (node.children !== null && pos < n) {
      const child = node.children.get(value.charCodeAt(this.reversed ? n - 1 - pos : pos));
      if (child === undefined) return;
      const label = child.label;
      if (pos + label.length > n) return;
      if (this.reversed) {
        for (let i = 0; i < label.length; i++) if (label.charCodeAt(i) !== value.charCodeAt(n - 1 - pos - i)) return;
      } else if (!value.startsWith(label, pos)) return;
      pos += label.length;
      if (child.items !== null) out.push(child.items);
      node = child;
    }
  }
}

function copyNode<T>(node: TrieNode<T>): TrieNode<T> {
  return { label: node.label, children: node.children, items: node.items };
}

interface TrieNode<T> {
  /** The characters of the edge into this node (in reading order: reversed for suffixes). */
  label: string;
  children: Map<number, TrieNode<T>> | null;
  items: T[] | null;
}
