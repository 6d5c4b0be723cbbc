import { z } from 'zod';

/**
 * The rule for every URL the product calls because an API client named it (a shop's URL; Spartoo's
 * `baseUrl` may use it too): http or https only, no user name or password in it, and no loopback,
 * private, link-local or local-network address unless the operator allows custom URLs
 * (`SPARTOO_ALLOW_CUSTOM_URL=1`, as the tests, the demo and the benchmark do, whose sandboxes run on
 * this machine). Without that rule anyone holding the API token could make the product call into the
 * network it runs in. Names are judged as written (no DNS lookup): `localhost`, `*.localhost`, `*.local`,
 * `*.internal`, `*.home.arpa` and single-label names are local.
 */
export interface UrlPolicy {
  /** `SPARTOO_ALLOW_CUSTOM_URL=1`: loopback and private addresses are allowed. */
  allowCustomUrls: boolean;
}

export const CUSTOM_URL_VARIABLE = 'SPARTOO_ALLOW_CUSTOM_URL';

/** Why `value` may not be called under `policy`, or undefined when it may. */
export function urlRefusal(value: string, policy: UrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (!policy.allowCustomUrls && isLocalHost(url.hostname)) {
    return (
      `must be a public address: ${url.hostname} is a loopback, private or local-network address, ` +
      `allowed only when the operator sets ${CUSTOM_URL_VARIABLE}=1`
    );
  }
  return undefined;
}

/** A zod string that must pass the rule; answers the URL as `new URL` writes it, without a trailing slash. */
export function allowedUrl(policy: UrlPolicy) {
  return z
    .string()
    .trim()
    .min(1, 'is required')
    .max(2000)
    .superRefine((value, ctx) => {
      if (value === '') return;
      const refusal = urlRefusal(value, policy);
      if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
    })
    .transform(withoutTrailingSlash);
}

export function withoutTrailingSlash(value: string): string {
  try {
    return new URL(value).href.replace(/\/+$/, '');
  } catch {
    return value;
  }
}

const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa'];

/** A host name (as `URL.hostname` gives it) that names this machine or a private network. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) return isLocalIPv6(host.slice(1, -1));
  // URL writes every IPv4 form (0x7f.1, 2130706433) as a dotted quad.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return isLocalIPv4(host);
  if (host === 'localhost' || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return true;
  // A single label (`intranet`) is resolved on the local network.
  return !host.includes('.');
}

function isLocalIPv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number, number, number];
  return (
    a === 0 || // "this network"
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local (cloud metadata services)
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast and reserved
  );
}

function isLocalIPv6(address: string): boolean {
  const a = address.toLowerCase();
  if (a === '::' || a === '::1') return true;
  // IPv4-mapped (::ffff:7f00:1 is 127.0.0.1, as URL writes it).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (mapped) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return isLocalIPv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const first = Number.parseInt(a.split(':')[0] || '0', 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}
