/**
 * The sandbox's Admin GraphQL endpoint: the request is parsed and validated with the `graphql`
 * package against schema.ts, its variables coerced, its cost computed and charged to the app's
 * bucket, then run against the shop (state.ts). Errors take Shopify's shapes (§C Shopify 1 and 2):
 * - syntax, unknown fields and arguments, bad variables: HTTP 200, top-level `errors` with Shopify's
 *   wording (graphql-ruby's: "Field 'x' doesn't exist on type 'Y'", "Variable $v of type T was
 *   provided invalid value for a.b (Field is not defined on T)", with `extensions.problems`) and no
 *   `data` (https://shopify.dev/changelog/improved-graphql-errors; S23 in shop-platforms.md);
 * - business failures: `userErrors` in the payload, the payload's object null;
 * - a missing access scope: `ACCESS_DENIED` on the field, which is null;
 * - cost (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): scalars and enums 0,
 *   objects 1, connections 2 + `first`/`last` × the cost of a node, mutations 10; a query over 1000
 *   is refused whole with `MAX_COST_EXCEEDED`; one costing more than the bucket holds gets
 *   `THROTTLED` with `actualQueryCost: null` and no `data`; every answer carries
 *   `extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus}`, the difference between
 *   requested and actual cost going back into the bucket.
 */
import {
  buildSchema,
  coerceInputValue,
  type DocumentNode,
  execute,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isEnumType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  typeFromAST,
  validate,
} from 'graphql';
import { SHOPIFY_API_VERSION } from '../api-version';
import { SCHEMA_SDL, WEBHOOK_TOPICS, type WebhookTopic } from './schema';
import { compileSearch, type FieldSpec, SearchSyntaxError, type SearchWarning } from './search';
import {
  ChangeLog,
  fromCents,
  gid,
  type InventoryLevel,
  type Job,
  type Location,
  legacyId,
  type Metafield,
  type Order,
  type Product,
  type ShopifyState,
  toCents,
  UserError,
  type Variant,
  type WebhookSubscription,
} from './state';

export const schema = buildSchema(SCHEMA_SDL);

const MAX_QUERY_COST = 1000;
const MAX_PAGE = 250;
const MUTATION_COST = 10;
/** Orders older than this are hidden without `read_all_orders` (https://shopify.dev/docs/api/usage/access-scopes). */
const ORDERS_WINDOW_MS = 60 * 24 * 3600 * 1000;
const DOCS = 'https://shopify.dev/api/usage/rate-limits';

export interface GraphQLAnswer {
  status: number;
  body: Record<string, unknown>;
  /** Root fields run (e.g. `orderCreate`), for fault targeting. */
  operations: string[];
  changes: ChangeLog;
  /** Cancel jobs started by this request, to be run later. */
  jobs: Job[];
}

interface Context {
  state: ShopifyState;
  changes: ChangeLog;
  jobs: Job[];
  search: { path: string[]; query: string; warnings: SearchWarning[] }[];
}

type ShopifyError = {
  message: string;
  locations?: unknown;
  path?: unknown;
  extensions?: Record<string, unknown>;
};

const answer = (
  status: number,
  body: Record<string, unknown>,
  extra: Partial<GraphQLAnswer> = {},
): GraphQLAnswer => ({ status, body, operations: [], changes: new ChangeLog(), jobs: [], ...extra });

/** Runs one Admin GraphQL request (`{query, variables, operationName}`) against the shop. */
export function runGraphQL(state: ShopifyState, request: unknown): GraphQLAnswer {
  const { query, variables, operationName } = (request ?? {}) as {
    query?: unknown;
    variables?: unknown;
    operationName?: unknown;
  };
  if (typeof query !== 'string' || query.trim() === '') {
    return answer(200, { errors: [{ message: 'No query string was present' }] });
  }
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (err) {
    const e = err as GraphQLError;
    return answer(200, { errors: [{ message: rubyParseMessage(e), locations: e.locations }] });
  }
  const invalid = validate(schema, document);
  if (invalid.length) return answer(200, { errors: invalid.map(shopifyValidationError) });

  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations[0];
  if (!operation || (operations.length > 1 && typeof operationName !== 'string')) {
    return answer(200, {
      errors: [{ message: 'An operation name is required when the document holds more than one operation' }],
    });
  }
  const vars = (typeof variables === 'object' && variables !== null ? variables : {}) as Record<
    string,
    unknown
  >;
  const variableErrors = coerceVariables(operation, vars);
  if (variableErrors.length) return answer(200, { errors: variableErrors });

  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const rootType = operation.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const rootFields = collectFields(rootType, operation.selectionSet, fragments).map((f) => f.node.name.value);

  const requested = selectionCost(rootType, operation.selectionSet, vars, fragments, undefined);
  if (requested > MAX_QUERY_COST) {
    return answer(
      200,
      {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\nSee ${DOCS} for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
            extensions: {
              code: 'MAX_COST_EXCEEDED',
              cost: requested,
              maxCost: MAX_QUERY_COST,
              documentation: DOCS,
            },
          },
        ],
        extensions: {
          cost: {
            requestedQueryCost: requested,
            actualQueryCost: null,
            throttleStatus: state.throttleStatus(),
          },
        },
      },
      { operations: rootFields },
    );
  }
  if (!state.take(requested)) return throttled(state, requested, rootFields);

  const context: Context = { state, changes: new ChangeLog(), jobs: [], search: [] };
  const result = execute({
    schema,
    document,
    rootValue: root,
    contextValue: context,
    variableValues: vars,
    operationName: typeof operationName === 'string' ? operationName : undefined,
  }) as { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] };

  const actual =
    operation.operation === 'mutation'
      ? requested
      : selectionCost(rootType, operation.selectionSet, vars, fragments, result.data ?? null);
  state.refund(Math.max(0, requested - actual));
  const body: Record<string, unknown> = {};
  if (result.errors?.length) body.errors = result.errors.map((e) => e.toJSON());
  body.data = result.data ?? null;
  body.extensions = {
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: state.throttleStatus() },
    ...(context.search.some((s) => s.warnings.length)
      ? { search: context.search.filter((s) => s.warnings.length) }
      : {}),
  };
  return { status: 200, body, operations: rootFields, changes: context.changes, jobs: context.jobs };
}

/** The THROTTLED answer (S9): no data, `actualQueryCost: null`. */
export function throttled(state: ShopifyState, requested: number, operations: string[] = []): GraphQLAnswer {
  return answer(
    state.faults.throttledStatus,
    {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: DOCS } }],
      extensions: {
        cost: {
          requestedQueryCost: requested,
          actualQueryCost: null,
          throttleStatus: state.throttleStatus(),
        },
      },
    },
    { operations },
  );
}

// ---- errors in Shopify's words ----

function rubyParseMessage(e: GraphQLError): string {
  const at = e.locations?.[0];
  const found = /found (.+)\.$/.exec(e.message)?.[1] ?? 'end of string';
  return `Parse error on ${found}${at ? ` at [${at.line}, ${at.column}]` : ''}`;
}

function shopifyValidationError(e: GraphQLError): ShopifyError {
  const locations = e.locations;
  let m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(e.message);
  if (m) {
    return {
      message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`,
      locations,
      extensions: { code: 'undefinedField', typeName: m[2], fieldName: m[1] },
    };
  }
  m = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"\./.exec(e.message);
  if (m) {
    return {
      message: `Field '${m[3]}' doesn't accept argument '${m[1]}'`,
      locations,
      extensions: { code: 'argumentNotAccepted', name: m[3], typeName: 'Field', argumentName: m[1] },
    };
  }
  m = /^Field "(\w+)" argument "(\w+)" of type "(.+)" is required, but it was not provided\./.exec(e.message);
  if (m) {
    return {
      message: `Field '${m[1]}' is missing required arguments: ${m[2]}`,
      locations,
      extensions: { code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2] },
    };
  }
  m = /^Unknown type "(\w+)"\./.exec(e.message);
  if (m) {
    return {
      message: `No such type ${m[1]}, so it can't be a fragment condition`,
      locations,
      extensions: { code: 'undefinedType', typeName: m[1] },
    };
  }
  return { message: e.message, locations, extensions: { code: 'validationError' } };
}

/** Variables checked as Shopify does, one error per variable with every problem listed. */
function coerceVariables(operation: OperationDefinitionNode, vars: Record<string, unknown>): ShopifyError[] {
  const errors: ShopifyError[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type as never);
    if (!type) continue; // validation already named it
    const value = vars[name];
    if (value === undefined && definition.defaultValue) continue;
    const problems: { path: (string | number)[]; explanation: string }[] = [];
    coerceInputValue(value === undefined ? null : value, type as never, (path, _invalid, error) => {
      const explained = explain(error.message);
      problems.push({ path: [...path, ...explained.extraPath], explanation: explained.text });
    });
    if (problems.length === 0) continue;
    const typeName = String(type);
    const where = problems
      .map((p) => (p.path.length ? `${p.path.join('.')} (${p.explanation})` : `(${p.explanation})`))
      .join(', ');
    errors.push({
      message: `Variable $${name} of type ${typeName} was provided invalid value${problems.some((p) => p.path.length) ? ' for ' : ' '}${where}`,
      locations: [
        { line: definition.loc?.startToken.line ?? 1, column: definition.loc?.startToken.column ?? 1 },
      ],
      extensions: { value: value ?? null, problems },
    });
  }
  return errors;
}

function explain(message: string): { text: string; extraPath: string[] } {
  let m = /^Field "(\w+)" is not defined by type "(\w+)"\./.exec(message);
  if (m) return { text: `Field is not defined on ${m[2]}`, extraPath: [m[1]!] };
  m = /^Field "(\w+)" of required type "(.+)" was not provided\./.exec(message);
  if (m) return { text: 'Expected value to not be null', extraPath: [m[1]!] };
  if (/^Expected non-nullable type/.test(message))
    return { text: 'Expected value to not be null', extraPath: [] };
  m = /^Value "(.+)" does not exist in "(\w+)" enum\./.exec(message);
  if (m) {
    const enumType = schema.getType(m[2]!);
    const values = isEnumType(enumType)
      ? enumType
          .getValues()
          .map((v) => v.name)
          .join(', ')
      : '';
    return { text: `Expected "${m[1]}" to be one of: ${values}`, extraPath: [] };
  }
  m = /^(Int|String|Boolean|ID|Float) cannot represent/.exec(message);
  if (m) return { text: `Could not coerce value to ${m[1]}`, extraPath: [] };
  return { text: message.replace(/\.$/, ''), extraPath: [] };
}

function fail(message: string, extensions: Record<string, unknown>): never {
  throw new GraphQLError(message, { extensions });
}

function need(state: ShopifyState, scope: string, field: string) {
  if (
    state.scopes.has(scope) ||
    (scope.startsWith('read_') && state.scopes.has(scope.replace('read_', 'write_')))
  ) {
    return;
  }
  fail(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    code: 'ACCESS_DENIED',
    documentation: 'https://shopify.dev/api/usage/access-scopes',
    requiredAccess: `\`${scope}\` access scope.`,
  });
}

// ---- cost ----

interface CollectedField {
  node: FieldNode;
  def: GraphQLField<unknown, unknown>;
}

function collectFields(
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
): CollectedField[] {
  const out: CollectedField[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const def =
        (isObjectType(parent) || isInterfaceType(parent)) && parent.getFields()[selection.name.value];
      if (def) out.push({ node: selection, def });
    } else {
      const set = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments[selection.name.value];
      if (!set) continue;
      const condition = set.typeCondition ? schema.getType(set.typeCondition.name.value) : parent;
      out.push(...collectFields(condition ?? parent, set.selectionSet, fragments));
    }
  }
  return out;
}

/**
 * Cost of a selection: requested (data undefined) from the arguments, actual (data given) from what
 * the answer holds.
 */
function selectionCost(
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode,
  vars: Record<string, unknown>,
  fragments: Record<string, FragmentDefinitionNode>,
  data: unknown,
): number {
  if (data === null) return 0;
  let total = 0;
  const isMutationRoot = parent === schema.getMutationType();
  for (const { node, def } of collectFields(parent, selectionSet, fragments)) {
    const named = getNamedType(def.type);
    if (isLeafType(named)) continue;
    if (isMutationRoot) {
      total += MUTATION_COST;
      continue;
    }
    const key = node.alias?.value ?? node.name.value;
    const value = data === undefined ? undefined : (data as Record<string, unknown>)[key];
    if (data !== undefined && (value === null || value === undefined)) continue;
    let args: Record<string, unknown> = {};
    try {
      args = getArgumentValues(def as never, node, vars);
    } catch {
      args = {};
    }
    const sub = node.selectionSet;
    if (!sub) continue;
    if (named.name.endsWith('Connection') && isObjectType(named)) {
      total +=
        2 + connectionItemsCost(named, sub, vars, fragments, data === undefined ? undefined : value, args);
      continue;
    }
    if (isListType(getNullableType(def.type))) {
      if (data === undefined) {
        const n = Number(
          args.first ??
            (Array.isArray(args.names) ? args.names.length : Array.isArray(args.ids) ? args.ids.length : 1),
        );
        total += n * (1 + selectionCost(named, sub, vars, fragments, undefined));
      } else {
        for (const item of value as unknown[])
          total += item === null ? 0 : 1 + selectionCost(named, sub, vars, fragments, item);
      }
      continue;
    }
    total += 1 + selectionCost(named, sub, vars, fragments, data === undefined ? undefined : value);
  }
  return total;
}

/**
 * The items of a connection: requested, `first`/`last` × (1 + the node's selection), once for
 * `nodes` and once for `edges.node` when both are asked for; actual, the same over the items answered.
 */
function connectionItemsCost(
  connectionType: import('graphql').GraphQLObjectType,
  sub: SelectionSetNode,
  vars: Record<string, unknown>,
  fragments: Record<string, FragmentDefinitionNode>,
  value: unknown,
  args: Record<string, unknown>,
): number {
  const nodeType = getNamedType(connectionType.getFields().nodes!.type);
  const n = Number(args.first ?? args.last ?? 0);
  let total = 0;
  for (const inner of collectFields(connectionType, sub, fragments)) {
    const key = inner.node.alias?.value ?? inner.node.name.value;
    const answered = value === undefined ? undefined : ((value as Record<string, unknown>)[key] as unknown[]);
    if (inner.node.name.value === 'nodes' && inner.node.selectionSet) {
      const set = inner.node.selectionSet;
      total +=
        answered === undefined
          ? n * (1 + selectionCost(nodeType, set, vars, fragments, undefined))
          : answered.reduce<number>(
              (sum, item) => sum + 1 + selectionCost(nodeType, set, vars, fragments, item),
              0,
            );
    }
    if (inner.node.name.value === 'edges' && inner.node.selectionSet) {
      for (const e of collectFields(getNamedType(inner.def.type), inner.node.selectionSet, fragments)) {
        if (e.node.name.value !== 'node' || !e.node.selectionSet) continue;
        const set = e.node.selectionSet;
        const nodeKey = e.node.alias?.value ?? 'node';
        total +=
          answered === undefined
            ? n * (1 + selectionCost(nodeType, set, vars, fragments, undefined))
            : answered.reduce<number>(
                (sum, edge) =>
                  sum +
                  1 +
                  selectionCost(nodeType, set, vars, fragments, (edge as Record<string, unknown>)[nodeKey]),
                0,
              );
      }
    }
  }
  return total;
}

// ---- connections ----

interface Page<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
}

const encodeCursor = (id: number, value: string | number) =>
  Buffer.from(JSON.stringify({ last_id: id, last_value: value })).toString('base64');

function decodeCursor(cursor: string): { last_id: number; last_value: string | number } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (typeof parsed?.last_id === 'number') return parsed;
  } catch {
    /* fall through */
  }
  fail('Invalid cursor for current pagination sort.', { code: 'BAD_REQUEST' });
}

/**
 * A Relay connection over `items` sorted by (`sortValue`, id), as Shopify pages them: `first` or
 * `last` is required (≤ 250), cursors are opaque and stable under inserts.
 */
function connection<T, V>(
  items: T[],
  args: ConnectionArgs,
  idOf: (item: T) => number,
  view: (item: T) => V,
  sortValue: (item: T) => string | number = idOf,
): Page<V> {
  if (args.first == null && args.last == null)
    fail('you must provide one of first or last', { code: 'BAD_REQUEST' });
  const n = (args.first ?? args.last)!;
  if (n < 0 || n > MAX_PAGE) {
    fail(
      `The value of the argument \`${args.first != null ? 'first' : 'last'}\` must be between 0 and ${MAX_PAGE}.`,
      {
        code: 'BAD_REQUEST',
      },
    );
  }
  const cmp = (a: [string | number, number], b: [string | number, number]) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
  const keyOf = (item: T): [string | number, number] => [sortValue(item), idOf(item)];
  let sorted = [...items].sort((a, b) => cmp(keyOf(a), keyOf(b)));
  if (args.reverse) sorted.reverse();
  const dir = args.reverse ? -1 : 1;
  if (args.after) {
    const c = decodeCursor(args.after);
    sorted = sorted.filter((item) => dir * cmp(keyOf(item), [c.last_value, c.last_id]) > 0);
  }
  if (args.before) {
    const c = decodeCursor(args.before);
    sorted = sorted.filter((item) => dir * cmp(keyOf(item), [c.last_value, c.last_id]) < 0);
  }
  const page = args.first != null ? sorted.slice(0, n) : sorted.slice(Math.max(0, sorted.length - n));
  const edges = page.map((item) => ({ cursor: encodeCursor(idOf(item), sortValue(item)), node: view(item) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: args.first != null ? sorted.length > n : Boolean(args.before),
      hasPreviousPage: args.last != null ? sorted.length > n : Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function searched<T>(
  ctx: Context,
  path: string,
  query: string | null | undefined,
  fields: Record<string, FieldSpec<T>>,
  dynamic?: (field: string) => FieldSpec<T> | undefined,
) {
  try {
    const compiled = compileSearch(query, fields, dynamic);
    if (query) ctx.search.push({ path: [path], query, warnings: compiled.warnings });
    return compiled.test;
  } catch (err) {
    if (err instanceof SearchSyntaxError) fail(err.message, { code: 'BAD_REQUEST' });
    throw err;
  }
}

// ---- views: state objects as GraphQL objects ----

const moneyBag = (amount: string, currencyCode: string) => ({
  shopMoney: { amount, currencyCode },
  presentmentMoney: { amount, currencyCode },
});

function locationView(l: Location) {
  return {
    __typename: 'Location',
    id: gid('Location', l.id),
    legacyResourceId: String(l.id),
    name: l.name,
    isActive: l.isActive,
    fulfillsOnlineOrders: true,
  };
}

function metafieldView(m: Metafield) {
  return { __typename: 'Metafield', ...m, id: gid('Metafield', m.id) };
}

function levelView(state: ShopifyState, level: InventoryLevel) {
  return {
    __typename: 'InventoryLevel',
    id: gid('InventoryLevel', `${level.locationId}?inventory_item_id=${level.itemId}`),
    updatedAt: level.updatedAt,
    location: () => locationView(state.location(level.locationId)!),
    item: () => itemView(state, level.itemId),
    quantities: ({ names }: { names: string[] }) =>
      names.map((name) => {
        const quantity =
          name in level.quantities ? level.quantities[name as keyof InventoryLevel['quantities']] : null;
        if (quantity === null) {
          fail(`The quantity name '${name}' is not valid.`, { code: 'BAD_REQUEST' });
        }
        return {
          __typename: 'InventoryQuantity',
          id: gid('InventoryQuantity', `${level.locationId}?inventory_item_id=${level.itemId}&name=${name}`),
          name,
          quantity,
          updatedAt: level.updatedAt,
        };
      }),
  };
}

function itemView(state: ShopifyState, itemId: number) {
  const variant = state.variants.get(state.items.get(itemId)!)!;
  return {
    __typename: 'InventoryItem',
    id: gid('InventoryItem', itemId),
    legacyResourceId: String(itemId),
    sku: variant.sku,
    tracked: true,
    variant: () => variantView(state, variant),
    inventoryLevel: ({ locationId }: { locationId: string }, ctx: Context) => {
      need(ctx.state, 'read_inventory', 'inventoryLevel');
      const id = legacyId(locationId, 'Location');
      if (id === null) fail(`Invalid global id '${locationId}'`, { code: 'argumentLiteralsIncompatible' });
      const level = state.level(itemId, id);
      return level ? levelView(state, level) : null;
    },
    inventoryLevels: (args: ConnectionArgs, ctx: Context) => {
      need(ctx.state, 'read_inventory', 'inventoryLevels');
      return connection(
        state.levelsOf(itemId),
        args,
        (l) => l.locationId,
        (l) => levelView(state, l),
      );
    },
  };
}

function productView(state: ShopifyState, p: Product) {
  return {
    __typename: 'Product',
    id: gid('Product', p.id),
    legacyResourceId: String(p.id),
    title: p.title,
    handle: p.handle,
    status: 'ACTIVE',
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    variants: (args: ConnectionArgs) =>
      connection(
        p.variantIds.map((id) => state.variants.get(id)!),
        args,
        (v) => v.id,
        (v) => variantView(state, v),
      ),
    variantsCount: { count: p.variantIds.length, precision: 'EXACT' },
  };
}

function variantView(state: ShopifyState, v: Variant) {
  const product = state.products.get(v.productId)!;
  return {
    __typename: 'ProductVariant',
    id: gid('ProductVariant', v.id),
    legacyResourceId: String(v.id),
    title: v.title,
    displayName: `${product.title} - ${v.title}`,
    sku: v.sku,
    barcode: v.barcode,
    price: v.price,
    compareAtPrice: v.compareAtPrice,
    inventoryPolicy: v.inventoryPolicy,
    inventoryQuantity: (_: unknown, ctx: Context) => {
      need(ctx.state, 'read_inventory', 'inventoryQuantity');
      return state.available(v);
    },
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    product: () => productView(state, product),
    inventoryItem: () => itemView(state, v.inventoryItemId),
    metafield: ({ namespace, key }: { namespace?: string | null; key: string }) => {
      // `key` may be "namespace.key" when no namespace is given.
      const [ns, k] = namespace ? [namespace, key] : splitKey(key);
      const found = v.metafields.find((m) => m.namespace === ns && m.key === k);
      return found ? metafieldView(found) : null;
    },
    metafields: (args: ConnectionArgs & { namespace?: string | null; keys?: string[] | null }) =>
      connection(
        v.metafields.filter(
          (m) =>
            (!args.namespace || m.namespace === args.namespace) &&
            (!args.keys || args.keys.includes(`${m.namespace}.${m.key}`)),
        ),
        args,
        (m) => m.id,
        metafieldView,
      ),
  };
}

function splitKey(key: string): [string, string] {
  const dot = key.lastIndexOf('.');
  return dot > 0 ? [key.slice(0, dot), key.slice(dot + 1)] : ['$app', key];
}

function addressView(a: Order['shippingAddress'], id: string) {
  if (!a) return null;
  const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
  let country: string | null = null;
  try {
    country = a.countryCode ? (regionNames.of(a.countryCode) ?? a.countryCode) : null;
  } catch {
    country = a.countryCode;
  }
  return {
    __typename: 'MailingAddress',
    id,
    ...a,
    name: [a.firstName, a.lastName].filter(Boolean).join(' ') || null,
    province: null,
    country,
    countryCodeV2: a.countryCode,
  };
}

function orderView(state: ShopifyState, o: Order) {
  return {
    __typename: 'Order',
    id: gid('Order', o.id),
    legacyResourceId: String(o.id),
    name: o.name,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    processedAt: o.processedAt,
    cancelledAt: o.cancelledAt,
    cancelReason: o.cancelReason,
    closed: o.closedAt !== null,
    closedAt: o.closedAt,
    test: o.test,
    email: o.email,
    phone: o.phone,
    note: o.note,
    poNumber: o.poNumber,
    tags: o.tags,
    sourceName: o.sourceName,
    sourceIdentifier: o.sourceIdentifier,
    currencyCode: o.currency,
    taxesIncluded: o.taxesIncluded,
    displayFinancialStatus: o.financialStatus,
    displayFulfillmentStatus: state.fulfillmentStatus(o),
    customAttributes: o.customAttributes,
    billingAddress: addressView(o.billingAddress, gid('MailingAddress', `${o.id}1?model_name=Address`)),
    shippingAddress: addressView(o.shippingAddress, gid('MailingAddress', `${o.id}2?model_name=Address`)),
    totalPriceSet: moneyBag(o.totalPrice, o.currency),
    subtotalPriceSet: moneyBag(o.subtotalPrice, o.currency),
    lineItems: (args: ConnectionArgs) =>
      connection(
        o.lineItems,
        args,
        (l) => l.id,
        (l) => ({
          __typename: 'LineItem',
          id: gid('LineItem', l.id),
          title: l.title,
          name: l.variantTitle ? `${l.title} - ${l.variantTitle}` : l.title,
          sku: l.sku,
          quantity: l.quantity,
          currentQuantity: o.cancelledAt ? 0 : l.quantity,
          unfulfilledQuantity: o.cancelledAt ? 0 : l.quantity - l.fulfilledQuantity,
          variant: () => {
            const v = l.variantId == null ? undefined : state.variants.get(l.variantId);
            return v ? variantView(state, v) : null;
          },
          originalUnitPriceSet: moneyBag(l.price, o.currency),
        }),
      ),
    shippingLines: (args: ConnectionArgs) =>
      connection(
        o.shippingLines,
        args,
        (s) => s.id,
        (s) => ({
          id: gid('ShippingLine', s.id),
          title: s.title,
          code: s.code,
          source: s.source,
          originalPriceSet: moneyBag(s.price, o.currency),
        }),
      ),
    fulfillments: ({ first }: { first?: number | null }) =>
      o.fulfillments.slice(0, first ?? undefined).map((f) => ({
        __typename: 'Fulfillment',
        id: gid('Fulfillment', f.id),
        legacyResourceId: String(f.id),
        name: f.name,
        status: f.status,
        displayStatus: f.status === 'SUCCESS' ? 'FULFILLED' : 'CANCELED',
        createdAt: f.createdAt,
        updatedAt: f.updatedAt,
        trackingInfo: ({ first: n }: { first?: number | null }) => f.trackingInfo.slice(0, n ?? undefined),
        location: () => {
          const l = state.location(f.locationId);
          return l ? locationView(l) : null;
        },
      })),
  };
}

function subscriptionView(s: WebhookSubscription) {
  return {
    __typename: 'WebhookSubscription',
    id: gid('WebhookSubscription', s.id),
    legacyResourceId: String(s.id),
    topic: s.topic,
    uri: s.uri,
    format: s.format,
    includeFields: s.includeFields,
    metafieldNamespaces: s.metafieldNamespaces,
    filter: s.filter,
    apiVersion: { handle: SHOPIFY_API_VERSION, displayName: SHOPIFY_API_VERSION, supported: true },
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function nodeById(state: ShopifyState, id: string): unknown {
  const m = /^gid:\/\/shopify\/(\w+)\/(\d+)/.exec(id);
  if (!m) return null;
  const n = Number(m[2]);
  switch (m[1]) {
    case 'ProductVariant': {
      const v = state.variants.get(n);
      return v ? variantView(state, v) : null;
    }
    case 'Product': {
      const p = state.products.get(n);
      return p ? productView(state, p) : null;
    }
    case 'Order': {
      const o = state.orders.get(n);
      return o ? orderView(state, o) : null;
    }
    case 'Location': {
      const l = state.location(n);
      return l ? locationView(l) : null;
    }
    case 'InventoryItem':
      return state.items.has(n) ? itemView(state, n) : null;
    default:
      return null;
  }
}

// ---- searchable fields ----

const variantFields: Record<string, FieldSpec<{ v: Variant; p: Product }>> = {
  default: { kind: 'text', get: ({ v, p }) => [v.sku, v.barcode, v.title, p.title] },
  sku: { kind: 'text', get: ({ v }) => v.sku },
  barcode: { kind: 'exact', get: ({ v }) => v.barcode },
  id: { kind: 'number', get: ({ v }) => v.id },
  product_id: { kind: 'number', get: ({ v }) => v.productId },
  title: { kind: 'text', get: ({ v }) => v.title },
  product_title: { kind: 'text', get: ({ p }) => p.title },
  updated_at: { kind: 'date', get: ({ v }) => v.updatedAt },
  created_at: { kind: 'date', get: ({ v }) => v.createdAt },
};

/** `metafields.<namespace>.<key>:value`: an exact match on the metafield's value. */
const variantMetafieldField = (field: string): FieldSpec<{ v: Variant }> | undefined => {
  const m = /^metafields\.(.+)\.([^.]+)$/.exec(field);
  if (!m) return undefined;
  return {
    kind: 'exact',
    get: ({ v }) => v.metafields.find((f) => f.namespace === m[1] && f.key === m[2])?.value ?? null,
  };
};

const orderFields = (state: ShopifyState): Record<string, FieldSpec<Order>> => ({
  default: { kind: 'text', get: (o) => [o.name, o.email, ...o.tags] },
  id: { kind: 'number', get: (o) => o.id },
  name: { kind: 'exact', get: (o) => o.name },
  tag: { kind: 'tags', get: (o) => o.tags },
  tag_not: { kind: 'tags', get: (o) => o.tags }, // handled by NOT in practice; kept so it is not a warning
  email: { kind: 'exact', get: (o) => o.email },
  source_name: { kind: 'exact', get: (o) => o.sourceName },
  source_identifier: { kind: 'exact', get: (o) => o.sourceIdentifier },
  po_number: { kind: 'exact', get: (o) => o.poNumber },
  created_at: { kind: 'date', get: (o) => o.createdAt },
  updated_at: { kind: 'date', get: (o) => o.updatedAt },
  processed_at: { kind: 'date', get: (o) => o.processedAt },
  status: {
    kind: 'exact',
    get: (o) => (o.cancelledAt ? ['cancelled', 'closed'] : o.closedAt ? ['closed'] : ['open']).concat('any'),
  },
  financial_status: { kind: 'exact', get: (o) => o.financialStatus.toLowerCase() },
  fulfillment_status: {
    kind: 'exact',
    get: (o) => {
      const s = state.fulfillmentStatus(o);
      return s === 'FULFILLED'
        ? ['shipped', 'fulfilled']
        : s === 'PARTIALLY_FULFILLED'
          ? ['partial']
          : ['unshipped', 'unfulfilled'];
    },
  },
});

const ORDER_SORT: Record<string, (o: Order) => string | number> = {
  CREATED_AT: (o) => o.createdAt,
  UPDATED_AT: (o) => o.updatedAt,
  PROCESSED_AT: (o) => o.processedAt,
  ID: (o) => o.id,
  ORDER_NUMBER: (o) => o.number,
  PO_NUMBER: (o) => o.poNumber ?? '',
};

// ---- root fields ----

const root = {
  shop: (_: unknown, ctx: Context) => ({
    __typename: 'Shop',
    id: gid('Shop', 1),
    name: ctx.state.shop.name,
    email: ctx.state.shop.email,
    myshopifyDomain: ctx.state.shop.myshopifyDomain,
    currencyCode: ctx.state.shop.currencyCode,
    ianaTimezone: ctx.state.shop.ianaTimezone,
    taxesIncluded: ctx.state.shop.taxesIncluded,
    plan: { partnerDevelopment: false, shopifyPlus: false, publicDisplayName: 'Basic' },
  }),
  node: ({ id }: { id: string }, ctx: Context) => nodeById(ctx.state, id),
  nodes: ({ ids }: { ids: string[] }, ctx: Context) => ids.map((id) => nodeById(ctx.state, id)),
  location: ({ id }: { id?: string | null }, ctx: Context) => {
    need(ctx.state, 'read_locations', 'location');
    const l = id ? ctx.state.location(legacyId(id, 'Location') ?? -1) : ctx.state.locations[0];
    return l ? locationView(l) : null;
  },
  locations: (args: ConnectionArgs & { includeInactive?: boolean }, ctx: Context) => {
    need(ctx.state, 'read_locations', 'locations');
    return connection(
      ctx.state.locations.filter((l) => l.isActive || args.includeInactive),
      args,
      (l) => l.id,
      locationView,
    );
  },
  product: ({ id }: { id: string }, ctx: Context) => {
    need(ctx.state, 'read_products', 'product');
    const p = ctx.state.products.get(legacyId(id, 'Product') ?? -1);
    return p ? productView(ctx.state, p) : null;
  },
  productsCount: ({ limit }: { limit?: number | null }, ctx: Context) => {
    need(ctx.state, 'read_products', 'productsCount');
    return count(ctx.state.products.size, limit);
  },
  productVariant: ({ id }: { id: string }, ctx: Context) => {
    need(ctx.state, 'read_products', 'productVariant');
    const v = ctx.state.variants.get(legacyId(id, 'ProductVariant') ?? -1);
    return v ? variantView(ctx.state, v) : null;
  },
  productVariants: (args: ConnectionArgs & { query?: string | null; sortKey?: string }, ctx: Context) => {
    need(ctx.state, 'read_products', 'productVariants');
    const test = searched(ctx, 'productVariants', args.query, variantFields, variantMetafieldField as never);
    const items = [...ctx.state.variants.values()]
      .map((v) => ({ v, p: ctx.state.products.get(v.productId)! }))
      .filter(test);
    const sort =
      args.sortKey === 'SKU'
        ? (x: { v: Variant }) => x.v.sku ?? ''
        : args.sortKey === 'TITLE'
          ? (x: { v: Variant }) => x.v.title
          : (x: { v: Variant }) => x.v.id;
    return connection(
      items,
      args,
      (x) => x.v.id,
      (x) => variantView(ctx.state, x.v),
      sort,
    );
  },
  productVariantsCount: (
    { query, limit }: { query?: string | null; limit?: number | null },
    ctx: Context,
  ) => {
    need(ctx.state, 'read_products', 'productVariantsCount');
    const test = searched(ctx, 'productVariantsCount', query, variantFields, variantMetafieldField as never);
    const n = [...ctx.state.variants.values()].filter((v) =>
      test({ v, p: ctx.state.products.get(v.productId)! }),
    ).length;
    return count(n, limit);
  },
  inventoryItem: ({ id }: { id: string }, ctx: Context) => {
    need(ctx.state, 'read_inventory', 'inventoryItem');
    const n = legacyId(id, 'InventoryItem');
    return n !== null && ctx.state.items.has(n) ? itemView(ctx.state, n) : null;
  },
  order: ({ id }: { id: string }, ctx: Context) => {
    need(ctx.state, 'read_orders', 'order');
    const o = ctx.state.orders.get(legacyId(id, 'Order') ?? -1);
    return o && visible(ctx.state, o) ? orderView(ctx.state, o) : null;
  },
  orders: (args: ConnectionArgs & { query?: string | null; sortKey?: string }, ctx: Context) => {
    need(ctx.state, 'read_orders', 'orders');
    const test = searched(ctx, 'orders', args.query, orderFields(ctx.state));
    const items = [...ctx.state.orders.values()].filter((o) => visible(ctx.state, o) && test(o));
    return connection(
      items,
      args,
      (o) => o.id,
      (o) => orderView(ctx.state, o),
      ORDER_SORT[args.sortKey ?? 'PROCESSED_AT'] ?? ORDER_SORT.ID,
    );
  },
  ordersCount: ({ query, limit }: { query?: string | null; limit?: number | null }, ctx: Context) => {
    need(ctx.state, 'read_orders', 'ordersCount');
    const test = searched(ctx, 'ordersCount', query, orderFields(ctx.state));
    return count(
      [...ctx.state.orders.values()].filter((o) => visible(ctx.state, o) && test(o)).length,
      limit,
    );
  },
  job: ({ id }: { id: string }, ctx: Context) => {
    const job = ctx.state.jobs.get(id);
    return job ? { id: job.id, done: job.done } : null;
  },
  webhookSubscription: ({ id }: { id: string }, ctx: Context) => {
    const s = ctx.state.subscriptions.get(legacyId(id, 'WebhookSubscription') ?? -1);
    return s ? subscriptionView(s) : null;
  },
  webhookSubscriptions: (
    args: ConnectionArgs & { topics?: string[] | null; uri?: string | null; format?: string | null },
    ctx: Context,
  ) =>
    connection(
      [...ctx.state.subscriptions.values()].filter(
        (s) =>
          (!args.topics || args.topics.includes(s.topic)) &&
          (!args.uri || s.uri === args.uri) &&
          (!args.format || s.format === args.format),
      ),
      args,
      (s) => s.id,
      subscriptionView,
    ),

  // ---- mutations ----

  orderCreate: (
    {
      order,
      options,
    }: { order: import('./state').OrderInput; options?: { inventoryBehaviour?: string } | null },
    ctx: Context,
  ) => {
    need(ctx.state, 'write_orders', 'orderCreate');
    try {
      const created = ctx.state.createOrder(order, options?.inventoryBehaviour ?? 'BYPASS', ctx.changes);
      return { order: orderView(ctx.state, created), userErrors: [] };
    } catch (err) {
      if (err instanceof UserError) return { order: null, userErrors: [userError(err)] };
      throw err;
    }
  },
  orderCancel: (
    args: {
      orderId: string;
      reason: string;
      restock: boolean;
      refund?: boolean | null;
      refundMethod?: unknown;
    },
    ctx: Context,
  ) => {
    need(ctx.state, 'write_orders', 'orderCancel');
    try {
      if (args.refund != null && args.refundMethod != null) {
        throw new UserError('Only one of refund and refundMethod can be given.', ['refundMethod'], 'INVALID');
      }
      const id = legacyId(args.orderId, 'Order');
      if (id === null) throw new UserError('Order does not exist', ['orderId'], 'NOT_FOUND');
      const job = ctx.state.startCancel(id, args.reason, args.restock);
      ctx.jobs.push(job);
      return { job: { id: job.id, done: false }, orderCancelUserErrors: [], userErrors: [] };
    } catch (err) {
      if (err instanceof UserError) {
        const e = userError(err);
        return {
          job: null,
          orderCancelUserErrors: [e],
          userErrors: [{ field: e.field, message: e.message }],
        };
      }
      throw err;
    }
  },
  inventoryAdjustQuantities: (
    { input }: { input: import('./state').AdjustInput },
    ctx: Context,
    info: { fieldNodes: readonly FieldNode[]; variableValues: Record<string, unknown> },
  ) => {
    need(ctx.state, 'write_inventory', 'inventoryAdjustQuantities');
    // Mandatory since 2026-04, though the schema does not say so: checked when the mutation runs.
    const directive = info.fieldNodes[0]?.directives?.find((d) => d.name.value === 'idempotent');
    const keyArg = directive?.arguments?.find((a) => a.name.value === 'key')?.value;
    const key =
      keyArg?.kind === Kind.STRING
        ? keyArg.value
        : keyArg?.kind === Kind.VARIABLE
          ? (info.variableValues[keyArg.name.value] as string | undefined)
          : undefined;
    if (!key) {
      fail('The @idempotent directive is required for this mutation.', {
        code: 'BAD_REQUEST',
        documentation: 'https://shopify.dev/docs/api/usage/idempotent-requests',
      });
    }
    const fingerprint = JSON.stringify(input);
    const seen = ctx.state.idempotency.get(`inventoryAdjustQuantities:${key}`);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        return {
          inventoryAdjustmentGroup: null,
          userErrors: [
            {
              field: null,
              message: 'The same idempotency key was used with different parameters.',
              code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH',
            },
          ],
        };
      }
      return seen.result; // the first answer, replayed: no second adjustment
    }
    let result: unknown;
    try {
      const group = ctx.state.adjust(input, ctx.changes);
      result = { inventoryAdjustmentGroup: adjustmentView(ctx.state, group), userErrors: [] };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      result = { inventoryAdjustmentGroup: null, userErrors: [userError(err)] };
    }
    ctx.state.idempotency.set(`inventoryAdjustQuantities:${key}`, { fingerprint, result, pending: false });
    return result;
  },
  metafieldsSet: ({ metafields }: { metafields: import('./state').MetafieldSetInput[] }, ctx: Context) => {
    need(ctx.state, 'write_products', 'metafieldsSet');
    try {
      return { metafields: ctx.state.setMetafields(metafields).map(metafieldView), userErrors: [] };
    } catch (err) {
      if (err instanceof UserError)
        return { metafields: null, userErrors: [{ ...userError(err), elementIndex: null }] };
      throw err;
    }
  },
  webhookSubscriptionCreate: (
    {
      topic,
      webhookSubscription: input,
    }: {
      topic: WebhookTopic;
      webhookSubscription: {
        uri?: string | null;
        callbackUrl?: string | null;
        format?: 'JSON' | 'XML' | null;
        includeFields?: string[] | null;
        metafieldNamespaces?: string[] | null;
        filter?: string | null;
      };
    },
    ctx: Context,
  ) => {
    const uri = input.uri ?? input.callbackUrl;
    const problem = !uri
      ? "Address can't be blank"
      : !/^(https?:\/\/[^\s]+|pubsub:\/\/[^\s]+|arn:aws:events:[^\s]+)$/.test(uri)
        ? 'Address is invalid'
        : [...ctx.state.subscriptions.values()].some((s) => s.topic === topic && s.uri === uri)
          ? 'Address for this topic has already been taken'
          : null;
    if (problem) {
      return {
        webhookSubscription: null,
        userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: problem }],
      };
    }
    if (!WEBHOOK_TOPICS.includes(topic)) fail('Invalid topic', { code: 'BAD_REQUEST' });
    const t = new Date().toISOString();
    const sub: WebhookSubscription = {
      id: ctx.state.id('subscription'),
      topic,
      uri: uri!,
      format: input.format ?? 'JSON',
      includeFields: input.includeFields ?? [],
      metafieldNamespaces: input.metafieldNamespaces ?? [],
      filter: input.filter ?? null,
      createdAt: t,
      updatedAt: t,
    };
    ctx.state.subscriptions.set(sub.id, sub);
    return { webhookSubscription: subscriptionView(sub), userErrors: [] };
  },
  webhookSubscriptionDelete: ({ id }: { id: string }, ctx: Context) => {
    const n = legacyId(id, 'WebhookSubscription');
    if (n === null || !ctx.state.subscriptions.delete(n)) {
      return {
        deletedWebhookSubscriptionId: null,
        userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }],
      };
    }
    return { deletedWebhookSubscriptionId: id, userErrors: [] };
  },
};

function adjustmentView(state: ShopifyState, group: ReturnType<ShopifyState['adjust']>) {
  return {
    id: group.id,
    createdAt: group.createdAt,
    reason: group.reason,
    referenceDocumentUri: group.referenceDocumentUri,
    changes: () =>
      group.changes.map((c) => ({
        name: c.name,
        delta: c.delta,
        quantityAfterChange: c.quantityAfterChange,
        ledgerDocumentUri: c.ledgerDocumentUri,
        item: () => itemView(state, c.itemId),
        location: () => locationView(state.location(c.locationId)!),
      })),
  };
}

function userError(err: UserError) {
  return { field: err.field, message: err.message, code: err.code };
}

function count(n: number, limit?: number | null) {
  // An explicit null is no limit; absent is the schema's default, 10000.
  const cap = limit === null ? Number.POSITIVE_INFINITY : (limit ?? 10000);
  return n > cap ? { count: cap, precision: 'AT_LEAST' } : { count: n, precision: 'EXACT' };
}

/** Orders older than 60 days need `read_all_orders` (§C Shopify 5). */
function visible(state: ShopifyState, o: Order): boolean {
  return state.scopes.has('read_all_orders') || Date.now() - Date.parse(o.processedAt) <= ORDERS_WINDOW_MS;
}

/** Exported for the admin routes: amounts as Shopify writes them. */
export const money = { toCents, fromCents };
