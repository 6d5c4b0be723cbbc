/**
 * WordPress REST argument handling, as `WP_REST_Request::has_valid_params()` and
 * `rest_validate_value_from_schema()` (wp-includes/rest-api.php) apply it before a WooCommerce
 * controller runs: types are strict for strings (a number is not a `string`: WooCommerce prices must be
 * sent as strings), lenient for integers and booleans (`"5"`, `"true"`); arrays accept a comma list;
 * `per_page` is 1–100; dates are RFC 3339. Every failure becomes one `rest_invalid_param` (400).
 */
import { invalidParams } from './errors';

export type Query = Record<string, string | string[]>;

/** A query string as PHP reads it: `a[]=1&a[]=2` is the array `a`. */
export function parseQuery(text: string): Query {
  const query: Query = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const isArray = rawKey.endsWith('[]');
    const key = isArray ? rawKey.slice(0, -2) : rawKey;
    const current = query[key];
    if (isArray) query[key] = [...(Array.isArray(current) ? current : current ? [current] : []), value];
    else query[key] = value;
  }
  return query;
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** The checks of one request; `done()` throws the `rest_invalid_param` error when any failed. */
export class Params {
  private readonly errors: Record<string, string> = {};

  fail(param: string, message: string): void {
    if (!(param in this.errors)) this.errors[param] = message;
  }

  done(): void {
    if (Object.keys(this.errors).length) throw invalidParams(this.errors);
  }

  /** rest_validate_value_from_schema for one value: true when `value` is of `type`. */
  typeOk(value: unknown, type: JsonType | JsonType[]): boolean {
    const types = Array.isArray(type) ? type : [type];
    return types.some((t) => {
      switch (t) {
        case 'string':
          return typeof value === 'string';
        case 'integer':
          return (
            (typeof value === 'number' && Number.isInteger(value)) ||
            (typeof value === 'string' && /^-?\d+$/.test(value.trim()))
          );
        case 'number':
          return (
            (typeof value === 'number' && Number.isFinite(value)) ||
            (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
          );
        case 'boolean':
          return typeof value === 'boolean' || ['true', 'false', '1', '0'].includes(String(value));
        case 'array':
          return Array.isArray(value);
        case 'object':
          return typeof value === 'object' && value !== null && !Array.isArray(value);
      }
      return false;
    });
  }

  /** Checks `value` (found at `path`, reported under `param`) against `type`; undefined and null pass. */
  check(param: string, path: string, value: unknown, type: JsonType | JsonType[], nullable = false): boolean {
    if (value === undefined || (nullable && value === null)) return true;
    if (this.typeOk(value, type)) return true;
    const name = Array.isArray(type) ? type.join(',') : type;
    this.fail(param, `${path} is not of type ${name}.`);
    return false;
  }

  // ---- query arguments ----------------------------------------------------------------------------

  int(query: Query, name: string, fallback: number, min?: number, max?: number): number {
    const raw = query[name];
    if (raw === undefined) return fallback;
    const text = Array.isArray(raw) ? raw.at(-1)! : raw;
    if (!/^-?\d+$/.test(text.trim())) {
      this.fail(name, `${name} is not of type integer.`);
      return fallback;
    }
    const n = Number(text);
    if (min !== undefined && max !== undefined && (n < min || n > max)) {
      this.fail(name, `${name} must be between ${min} (inclusive) and ${max} (inclusive)`);
      return fallback;
    }
    if (min !== undefined && n < min) {
      this.fail(name, `${name} must be greater than or equal to ${min}`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(query: Query, name: string, allowed: readonly T[], fallback: T): T {
    const raw = query[name];
    if (raw === undefined) return fallback;
    const text = Array.isArray(raw) ? raw.at(-1)! : raw;
    if (!allowed.includes(text as T)) {
      this.fail(name, `${name} is not one of ${allowed.join(', ')}.`);
      return fallback;
    }
    return text as T;
  }

  /** An array argument: repeated `name[]`, or a comma list (`wp_parse_list`). */
  list(query: Query, name: string): string[] | undefined {
    const raw = query[name];
    if (raw === undefined) return undefined;
    const values = Array.isArray(raw) ? raw : [raw];
    return values
      .flatMap((v) => v.split(/[\s,]+/))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }

  ids(query: Query, name: string): number[] | undefined {
    const values = this.list(query, name);
    if (values === undefined) return undefined;
    if (values.some((v) => !/^\d+$/.test(v))) {
      this.fail(name, `${name}[0] is not of type integer.`);
      return undefined;
    }
    return values.map(Number);
  }

  text(query: Query, name: string): string | undefined {
    const raw = query[name];
    if (raw === undefined) return undefined;
    return Array.isArray(raw) ? raw.at(-1)! : raw;
  }

  bool(query: Query, name: string): boolean | undefined {
    const text = this.text(query, name);
    if (text === undefined) return undefined;
    if (['true', '1'].includes(text)) return true;
    if (['false', '0'].includes(text)) return false;
    this.fail(name, `${name} is not of type boolean.`);
    return undefined;
  }

  /** A `date-time` argument (rest_parse_date): ms since the epoch, to the second; no zone means UTC. */
  date(query: Query, name: string): number | undefined {
    const text = this.text(query, name);
    if (text === undefined) return undefined;
    const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/.exec(
      text.trim(),
    );
    if (!m) {
      this.fail(name, 'Invalid date.');
      return undefined;
    }
    const zone = m[8]
      ? m[8].toUpperCase() === 'Z'
        ? 'Z'
        : m[8].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')
      : 'Z';
    const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone}`);
    if (Number.isNaN(ms)) {
      this.fail(name, 'Invalid date.');
      return undefined;
    }
    return ms;
  }
}
