/**
 * Literal prefixes (or, reading backwards, suffixes) of index keys, in a radix tree: edges carry
 * whole runs of characters, so a lookup visits one node per branching point rather than one per
 * character (a lookup is memory-bound at thousands of keys). Looking a value up collects the
 * bucket of every stored literal that is a prefix (suffix) of it.
 */
export class CharTrie<T> {
  private readonly root: TrieNode<T> = { label: '', children: null, items: null };

  constructor(private readonly reversed: boolean) {}

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

interface TrieNode<T> {
  /** The characters of the edge into this node (in reading order: reversed for suffixes). */
  label: string;
  children: Map<number, TrieNode<T>> | null;
  items: T[] | null;
}
