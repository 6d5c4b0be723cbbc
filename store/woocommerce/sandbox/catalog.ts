/**
 * Products and variations written through the REST API, as WooCommerce's controllers do it:
 * - `WC_REST_Products_Controller::prepare_object_for_database` (Version3/class-wc-rest-products-controller.php):
 *   variable and grouped products get blank prices; stock fields apply only while the store option
 *   `woocommerce_manage_stock` is on; `stock_quantity` wins over `inventory_delta` (a relative change);
 *   `manage_stock: false` blanks the quantity; a variation id sent to `/products/<id>` is refused with a
 *   404 pointing at the variations endpoint; `meta_data` goes through `update_meta_data`;
 * - `WC_REST_Product_Variations_Controller::prepare_object_for_database`
 *   (Version3/class-wc-rest-product-variations-controller.php): the same stock rules per variation;
 * - SKU and GTIN (`global_unique_id`, WooCommerce 9.2, PR #47364) unique across products and variations.
 */
import { WooError } from './errors';
import type { Params } from './params';
import type { Meta, ProductType, SandboxProduct, ShopState, StockStatus } from './state';

const PRODUCT_TYPES: ProductType[] = ['simple', 'grouped', 'external', 'variable'];
const POST_STATUSES = ['draft', 'pending', 'private', 'publish', 'future', 'auto-draft', 'trash'];
const STOCK_STATUSES: StockStatus[] = ['instock', 'outofstock', 'onbackorder'];
const BACKORDERS = ['no', 'notify', 'yes'] as const;

// biome-ignore lint/suspicious/noExplicitAny: request bodies are free JSON, checked field by field
export type Body = Record<string, any>;

/** The schema checks of a product or variation body (types as the controllers' item schemas declare). */
export function checkProductBody(p: Params, body: Body, variation: boolean): void {
  const strings = ['name', 'sku', 'global_unique_id', 'regular_price', 'sale_price', 'description', 'slug'];
  for (const field of strings) p.check(field, field, body[field], 'string');
  p.check('manage_stock', 'manage_stock', body.manage_stock, 'boolean');
  p.check('stock_quantity', 'stock_quantity', body.stock_quantity, 'integer', true);
  p.check('meta_data', 'meta_data', body.meta_data, 'array');
  p.check('attributes', 'attributes', body.attributes, 'array');
  if (!variation && body.type !== undefined && !PRODUCT_TYPES.includes(body.type)) {
    p.fail('type', `type is not one of ${PRODUCT_TYPES.join(', ')}.`);
  }
  if (body.status !== undefined && !POST_STATUSES.includes(body.status)) {
    p.fail('status', `status is not one of ${POST_STATUSES.join(', ')}.`);
  }
  if (body.stock_status !== undefined && !STOCK_STATUSES.includes(body.stock_status)) {
    p.fail('stock_status', `stock_status is not one of ${STOCK_STATUSES.join(', ')}.`);
  }
  if (body.backorders !== undefined && !BACKORDERS.includes(body.backorders)) {
    p.fail('backorders', `backorders is not one of ${BACKORDERS.join(', ')}.`);
  }
  if (Array.isArray(body.meta_data)) {
    body.meta_data.forEach((m: unknown, i: number) => {
      if (typeof m !== 'object' || m === null) p.fail('meta_data', `meta_data[${i}] is not of type object.`);
      else p.check('meta_data', `meta_data[${i}][key]`, (m as Body).key, 'string');
    });
  }
}

const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'product';

const toBool = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
const toInt = (v: unknown) => Math.trunc(Number(v));

function saleDate(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(String(value)) ? String(value) : `${value}Z`);
  return Number.isNaN(ms) ? null : ms;
}

function applyMeta(state: ShopState, meta: Meta[], entries: unknown): Meta[] {
  if (!Array.isArray(entries)) return meta;
  let result = meta;
  for (const entry of entries as Body[]) {
    if (typeof entry?.key !== 'string') continue;
    result = state.updateMeta(
      result,
      entry.key,
      entry.value ?? null,
      entry.id ? Number(entry.id) : undefined,
    );
  }
  return result;
}

/** The writable props shared by products and variations. */
function applyCommon(state: ShopState, product: SandboxProduct, body: Body): void {
  if (body.sku !== undefined) product.sku = String(body.sku).trim();
  if (body.global_unique_id !== undefined) product.globalUniqueId = String(body.global_unique_id).trim();
  if (body.description !== undefined) product.description = String(body.description);
  if (body.status !== undefined) product.status = String(body.status);
  if (product.type !== 'variable' && product.type !== 'grouped') {
    if (body.regular_price !== undefined) product.regularPrice = String(body.regular_price);
    if (body.sale_price !== undefined) product.salePrice = String(body.sale_price);
    const from = saleDate(body.date_on_sale_from_gmt ?? body.date_on_sale_from);
    const to = saleDate(body.date_on_sale_to_gmt ?? body.date_on_sale_to);
    if (from !== undefined) product.dateOnSaleFrom = from;
    if (to !== undefined) product.dateOnSaleTo = to;
  } else {
    product.regularPrice = '';
    product.salePrice = '';
  }
  if (body.backorders !== undefined) product.backorders = body.backorders;
  if (body.stock_status !== undefined) product.stockStatus = body.stock_status;
  if (state.settings.manageStock || product.type === 'variation') {
    if (body.manage_stock !== undefined) product.manageStock = toBool(body.manage_stock);
    if (product.type === 'external' || product.type === 'grouped') {
      product.manageStock = false;
      product.stockQuantity = null;
    } else if (product.manageStock) {
      if (body.stock_quantity !== undefined && body.stock_quantity !== null) {
        product.stockQuantity = toInt(body.stock_quantity);
      } else if (body.inventory_delta !== undefined) {
        product.stockQuantity = (product.stockQuantity ?? 0) + toInt(body.inventory_delta);
      } else if (product.stockQuantity === null) product.stockQuantity = 0;
      state.syncStockStatus(product);
    } else {
      product.stockQuantity = null;
    }
  }
  product.meta = applyMeta(state, product.meta, body.meta_data);
}

export function createProduct(state: ShopState, body: Body): SandboxProduct {
  const now = state.now();
  const name = typeof body.name === 'string' ? body.name : '';
  const product: SandboxProduct = {
    id: state.nextPostId(),
    parentId: 0,
    type: (body.type as ProductType | undefined) ?? 'simple',
    name,
    slug: typeof body.slug === 'string' && body.slug ? body.slug : slugify(name),
    status: 'publish',
    description: '',
    sku: '',
    globalUniqueId: '',
    regularPrice: '',
    salePrice: '',
    dateOnSaleFrom: null,
    dateOnSaleTo: null,
    manageStock: false,
    stockQuantity: null,
    stockStatus: 'instock',
    backorders: 'no',
    attributes: [],
    variationAttributes: [],
    meta: [],
    totalSales: 0,
    created: now,
    modified: now,
  };
  applyCommon(state, product, body);
  if (Array.isArray(body.attributes)) {
    product.attributes = (body.attributes as Body[])
      .filter((a) => a && (a.name || a.id))
      .map((a, i) => ({
        id: Number(a.id ?? 0),
        name: String(a.name ?? ''),
        position: Number(a.position ?? i),
        visible: toBool(a.visible),
        variation: toBool(a.variation),
        options: Array.isArray(a.options) ? a.options.map(String) : String(a.options ?? '').split('|'),
      }));
  }
  state.assertUnique(product);
  state.products.set(product.id, product);
  return product;
}

export function updateProduct(state: ShopState, product: SandboxProduct, body: Body): SandboxProduct {
  if (product.type === 'variation') {
    throw new WooError(
      404,
      'woocommerce_rest_invalid_product_id',
      'To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.',
    );
  }
  const draft: SandboxProduct = structuredClone(product);
  if (body.type !== undefined) draft.type = body.type;
  if (typeof body.name === 'string') draft.name = body.name;
  if (typeof body.slug === 'string' && body.slug) draft.slug = body.slug;
  applyCommon(state, draft, body);
  state.assertUnique(draft);
  draft.modified = state.now();
  Object.assign(product, draft);
  return product;
}

export function createVariation(state: ShopState, parent: SandboxProduct, body: Body): SandboxProduct {
  const now = state.now();
  const variation: SandboxProduct = {
    id: state.nextPostId(),
    parentId: parent.id,
    type: 'variation',
    name: parent.name,
    slug: `${parent.slug}-${now}`,
    status: 'publish',
    description: '',
    sku: '',
    globalUniqueId: '',
    regularPrice: '',
    salePrice: '',
    dateOnSaleFrom: null,
    dateOnSaleTo: null,
    manageStock: false,
    stockQuantity: null,
    stockStatus: 'instock',
    backorders: 'no',
    attributes: [],
    variationAttributes: Array.isArray(body.attributes)
      ? (body.attributes as Body[]).map((a) => ({
          id: Number(a.id ?? 0),
          name: String(a.name ?? ''),
          option: String(a.option ?? ''),
        }))
      : [],
    meta: [],
    totalSales: 0,
    created: now,
    modified: now,
  };
  applyCommon(state, variation, body);
  state.assertUnique(variation);
  state.products.set(variation.id, variation);
  parent.modified = now;
  return variation;
}

export function updateVariation(state: ShopState, variation: SandboxProduct, body: Body): SandboxProduct {
  const draft: SandboxProduct = structuredClone(variation);
  if (Array.isArray(body.attributes)) {
    draft.variationAttributes = (body.attributes as Body[]).map((a) => ({
      id: Number(a.id ?? 0),
      name: String(a.name ?? ''),
      option: String(a.option ?? ''),
    }));
  }
  applyCommon(state, draft, body);
  state.assertUnique(draft);
  draft.modified = state.now();
  Object.assign(variation, draft);
  return variation;
}
