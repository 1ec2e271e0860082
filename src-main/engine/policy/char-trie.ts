/**
 * Literal prefixes (or, read backwards, suffixes) of index keys. Looking a value up walks its
 * characters once and collects the buckets of every key that is a prefix of it.
 */
export class CharTrie<T> {
  private readonly root: TrieNode<T> = { children: null, items: null };

  constructor(private readonly reversed: boolean) {}

  /** The bucket for `literal`, created on first use (non-empty literals only). */
  bucket(literal: string): T[] {
    let node = this.root;
    const n = literal.length;
    for (let i = 0; i < n; i++) {
      const code = literal.charCodeAt(this.reversed ? n - 1 - i : i);
      node.children ??= new Map();
      let next = node.children.get(code);
      if (!next) {
        next = { children: null, items: null };
        node.children.set(code, next);
      }
      node = next;
    }
    node.items ??= [];
    return node.items;
  }

  /** Pushes onto `out` the bucket of every stored literal that `value` starts (ends) with. */
  collect(value: string, out: (readonly T[])[]): void {
    let node: TrieNode<T> | undefined = this.root;
    const n = value.length;
    for (let i = 0; i < n && node.children; i++) {
      node = node.children.get(value.charCodeAt(this.reversed ? n - 1 - i : i));
      if (!node) return;
      if (node.items) out.push(node.items);
    }
  }
}

interface TrieNode<T> {
  children: Map<number, TrieNode<T>> | null;
  items: T[] | null;
}
