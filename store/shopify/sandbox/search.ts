/**
 * Shopify's search syntax for the `query` argument (https://shopify.dev/docs/api/usage/search-syntax,
 * AG/latest/queries/productVariants, AG/latest/queries/orders.md): terms joined by an implicit AND,
 * `OR`, `NOT` or a leading `-`, parentheses, `field:value`, the comparators `field:<`, `<=`, `>`, `>=`,
 * values bare or in single or double quotes (a backslash escapes), and a trailing `*` for a prefix.
 * A field the resource does not know is ignored with a warning in `extensions.search`, as Shopify
 * does. Text fields such as `sku` are tokenized (§C Shopify 5): `sku:ABC-1` also finds `abc-1-x` and
 * `1-ABC`, so a caller wanting an exact match checks the value itself.
 */

export type Node =
  | { kind: 'and'; items: Node[] }
  | { kind: 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'term'; field: string | null; op: ':' | '<' | '<=' | '>' | '>='; value: string; prefix: boolean };

export class SearchSyntaxError extends Error {}

type Token = { type: 'word' | 'quoted' | '(' | ')'; text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c, text: c });
      i++;
      continue;
    }
    // A word, which may contain quoted parts (field:'a b'): read to the next unquoted space or paren.
    let text = '';
    let quoted = false;
    while (i < query.length && !/\s/.test(query[i]!) && query[i] !== '(' && query[i] !== ')') {
      const ch = query[i]!;
      if (ch === '"' || ch === "'") {
        quoted = true;
        i++;
        while (i < query.length && query[i] !== ch) {
          if (query[i] === '\\' && i + 1 < query.length) i++;
          text += query[i];
          i++;
        }
        if (i >= query.length) throw new SearchSyntaxError(`Unterminated quote in search query`);
        i++;
        continue;
      }
      if (ch === '\\' && i + 1 < query.length) i++;
      text += query[i];
      i++;
    }
    tokens.push({ type: quoted ? 'quoted' : 'word', text });
  }
  return tokens;
}

/** The query's tree; an empty query matches everything. */
export function parseSearch(query: string | null | undefined): Node {
  const tokens = tokenize(query ?? '');
  let at = 0;
  const peek = () => tokens[at];

  function orExpr(): Node {
    const items = [andExpr()];
    while (peek()?.type === 'word' && peek()!.text === 'OR') {
      at++;
      items.push(andExpr());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  function andExpr(): Node {
    const items: Node[] = [];
    for (;;) {
      const t = peek();
      if (!t || t.type === ')' || (t.type === 'word' && t.text === 'OR')) break;
      if (t.type === 'word' && t.text === 'AND') {
        at++;
        continue;
      }
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  function unary(): Node {
    const t = tokens[at++]!;
    if (t.type === 'word' && t.text === 'NOT') return { kind: 'not', item: unary() };
    if (t.type === '(') {
      const inner = orExpr();
      if (tokens[at++]?.type !== ')') throw new SearchSyntaxError('Unbalanced parentheses in search query');
      return inner;
    }
    if (t.type === ')') throw new SearchSyntaxError('Unbalanced parentheses in search query');
    if (t.type === 'word' && t.text.startsWith('-') && t.text.length > 1) {
      return { kind: 'not', item: term(t.text.slice(1), false) };
    }
    return term(t.text, t.type === 'quoted');
  }
  function term(text: string, wasQuoted: boolean): Node {
    const match = /^([A-Za-z_][\w.]*):(<=|>=|<|>)?(.*)$/s.exec(text);
    if (!match) return { kind: 'term', field: null, op: ':', value: text, prefix: false };
    const raw = match[3]!;
    const prefix = !wasQuoted && raw.endsWith('*');
    return {
      kind: 'term',
      field: match[1]!,
      op: (match[2] as '<' | '<=' | '>' | '>=' | undefined) ?? ':',
      value: prefix ? raw.slice(0, -1) : raw,
      prefix,
    };
  }

  const tree = at < tokens.length ? orExpr() : { kind: 'and' as const, items: [] };
  if (at < tokens.length) throw new SearchSyntaxError('Unbalanced parentheses in search query');
  return tree;
}

/** How a resource answers each field: `text` (tokenized), `exact`, `number`, `date`, `tags`. */
export type FieldKind = 'text' | 'exact' | 'number' | 'date' | 'tags';
export interface FieldSpec<T> {
  kind: FieldKind;
  get(item: T): string | number | null | (string | null)[];
}
export interface SearchWarning {
  field: string;
  message: string;
}

const tokens = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

function compare(a: number, op: string, b: number): boolean {
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  if (op === '>=') return a >= b;
  return a === b;
}

function matchValue(kind: FieldKind, actual: string | number | null, term: Extract<Node, { kind: 'term' }>) {
  if (actual === null || actual === undefined) return false;
  const wanted = term.value;
  if (kind === 'number') return compare(Number(actual), term.op, Number(wanted));
  if (kind === 'date') {
    const a = Date.parse(String(actual));
    const b = Date.parse(wanted);
    if (Number.isNaN(b)) return false;
    return compare(a, term.op === ':' ? '=' : term.op, b);
  }
  const text = String(actual);
  if (kind === 'exact' || kind === 'tags') {
    if (term.prefix) return text.toLowerCase().startsWith(wanted.toLowerCase());
    return text.toLowerCase() === wanted.toLowerCase();
  }
  // text: every token of the wanted value is a token of the field (the last one as a prefix with *).
  const have = tokens(text);
  const want = tokens(wanted);
  if (want.length === 0) return have.length === 0 && text === wanted;
  return want.every((w, i) =>
    term.prefix && i === want.length - 1 ? have.some((h) => h.startsWith(w)) : have.includes(w),
  );
}

/**
 * A predicate for `query` over items whose searchable fields are `fields` (`default` answers free
 * text); the warnings name the fields ignored because the resource has none of that name.
 * `dynamic` answers fields with a variable name (e.g. `metafields.ns.key`).
 */
export function compileSearch<T>(
  query: string | null | undefined,
  fields: Record<string, FieldSpec<T>>,
  dynamic?: (field: string) => FieldSpec<T> | undefined,
): { test: (item: T) => boolean; warnings: SearchWarning[] } {
  const tree = parseSearch(query);
  const warnings: SearchWarning[] = [];
  const spec = (field: string) => fields[field.toLowerCase()] ?? dynamic?.(field);
  (function check(node: Node) {
    if (node.kind === 'term') {
      if (node.field !== null && !spec(node.field)) {
        warnings.push({ field: node.field, message: 'Invalid search field for this query.' });
      }
    } else if (node.kind === 'not') check(node.item);
    else node.items.forEach(check);
  })(tree);

  function test(node: Node, item: T): boolean {
    if (node.kind === 'not') return !test(node.item, item);
    if (node.kind === 'and') return node.items.every((n) => test(n, item));
    if (node.kind === 'or') return node.items.some((n) => test(n, item));
    const field = spec(node.field ?? 'default');
    if (!field) return true; // ignored, with a warning
    const actual = field.get(item);
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => matchValue(field.kind, v, node));
  }
  return { test: (item) => test(tree, item), warnings };
}
