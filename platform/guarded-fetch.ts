/**
 * Fetching a URL an operator typed in (a model's external calendar) without letting it reach
 * inside our network (server-side request forgery): only http and https; every address the
 * host resolves to must be public, checked at connect time on the address actually dialled
 * (the request's own DNS lookup is the checked one, so a DNS answer that changes between a
 * check and the connection cannot slip past), and again for every redirect hop; a deadline
 * over the whole exchange and a cap on the (decompressed) body.
 *
 * Hosts on an explicit allow-list (CALENDAR_IMPORT_ALLOW_HOSTS) skip the address check, for a
 * calendar server on the operator's own network and for the tests' loopback stand-in; nothing
 * else about the fetch changes for them.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import zlib from 'node:zlib';

/** What the guard lets through besides public addresses. */
export interface OutboundPolicy {
  /** `host` (any port) or `host:port` entries, lower case; IPv6 in brackets: `[::1]:8080`. */
  readonly allowHosts: readonly string[];
}

/** The default: no exceptions. */
export const STRICT_OUTBOUND: OutboundPolicy = { allowHosts: [] };

/** A destination the guard refuses (scheme, address, redirects): retrying cannot help. */
export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
  readonly code = 'DESTINATION_REFUSED';
}

/** A body over the limit: retrying cannot help. */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
}

/**
 * Addresses no operator-supplied URL may reach, by what they are (IANA special-purpose
 * registries). Link-local holds the cloud metadata services (169.254.169.254, fd00:ec2::254 is
 * in the unique-local range). IPv6 forms that embed an IPv4 address are checked by that address.
 */
const RANGES: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>]> = [
  ['a loopback address', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]],
  ['a private address', [
    ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'],
    ['fc00::', 7, 'ipv6'], ['fec0::', 10, 'ipv6'],
  ]],
  ['a link-local address (where cloud metadata services answer)', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]],
  ['an unspecified address', [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']]],
  ['a multicast address', [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']]],
  ['a reserved address', [
    ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'], ['192.88.99.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4'],
    ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
    ['100::', 64, 'ipv6'], ['2001::', 32, 'ipv6'], ['2001:db8::', 32, 'ipv6'], ['2002::', 16, 'ipv6'], ['::', 96, 'ipv6'],
  ]],
];

const BLOCKED = RANGES.map(([what, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, family] of subnets) list.addSubnet(network, prefix, family);
  return { what, list };
});

/** The 16 bytes of an IPv6 address (valid input assumed: isIP said 6). */
function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4) is the last two groups.
  const dotted = text.match(/^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const before = groups(head);
  const after = groups(rest);
  const words = rest === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), if any. */
function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12);
  return mapped || nat64 ? b.slice(12).join('.') : undefined;
}

/** What kind of non-public address this is ("a loopback address"), or undefined if it is public. */
function blockedKind(address: string, family: 4 | 6): string | undefined {
  return BLOCKED.find((b) => b.list.check(address.split('%')[0]!, family === 4 ? 'ipv4' : 'ipv6'))?.what;
}

/** A non-public address as the refusal names it: "127.0.0.1, a loopback address"; undefined if public. */
function blockedAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address}, not an IP address`;
  const inner = family === 6 ? embeddedIpv4(address) : undefined;
  if (inner) {
    const kind = blockedKind(inner, 4);
    return kind ? `${address} (${inner}), ${kind}` : undefined;
  }
  const kind = blockedKind(address, family as 4 | 6);
  return kind ? `${address}, ${kind}` : undefined;
}

/** Why this IP address may not be fetched ("127.0.0.1 is a loopback address"), or undefined if it is public. */
export function addressProblem(address: string): string | undefined {
  return blockedAddress(address)?.replace(', ', ' is ');
}

/** Whether the URL's host (and port) is on the allow-list. */
export function isAllowedHost(url: URL, policy: OutboundPolicy): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return policy.allowHosts.some((entry) => entry === host || entry === `${host}:${port}`);
}

/** The allow-list as CALENDAR_IMPORT_ALLOW_HOSTS writes it: comma-separated `host` / `host:port`. */
export function parseAllowHosts(value: string): string[] {
  return value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

function refusedScheme(url: URL): DestinationRefused | undefined {
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : new DestinationRefused(`${url.protocol.replace(/:$/, '')} URLs are not fetched (only http and https)`);
}

/**
 * The request's DNS lookup: every address the name resolves to must be public, and the
 * connection then goes to one of exactly those addresses.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const blocked = addresses.map((a) => blockedAddress(a.address)).find(Boolean);
    if (blocked) return callback(new DestinationRefused(`${hostname} resolves to ${blocked}`), '', 0);
    if (!addresses.length) return callback(new DestinationRefused(`${hostname} resolves to no address`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * Why the guard would refuse this URL before fetching anything, checked now (a saved URL is
 * checked again on every fetch). A name that does not exist is refused; one whose lookup fails
 * for another reason (no network now) is left to the fetch.
 */
export async function destinationProblem(url: URL, policy: OutboundPolicy): Promise<string | undefined> {
  const scheme = refusedScheme(url);
  if (scheme) return scheme.message;
  if (isAllowedHost(url, policy)) return undefined;
  const host = bare(url.hostname);
  if (isIP(host)) return addressProblem(host);
  return new Promise((resolve) => {
    publicOnlyLookup(host, { all: true }, (error) => {
      if (error instanceof DestinationRefused) resolve(error.message);
      else if (error && ['ENOTFOUND', 'ENODATA'].includes((error as NodeJS.ErrnoException).code ?? '')) resolve(`the host ${host} was not found`);
      else resolve(undefined);
    });
  });
}

export interface GuardedGetOptions {
  readonly policy: OutboundPolicy;
  /** Body bytes (after decompression) beyond which the fetch stops with ResponseTooLarge. */
  readonly maxBytes: number;
  /** The whole exchange, redirects and body included. */
  readonly timeoutMs: number;
  readonly maxRedirects?: number;
  readonly headers?: Record<string, string>;
}

export interface GuardedResponse {
  readonly status: number;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The body of a 2xx answer; empty otherwise (not read). */
  readonly body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request to one URL, checked: the response (body unread) or the refusal. */
function requestOnce(url: URL, options: GuardedGetOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const scheme = refusedScheme(url);
  if (scheme) return Promise.reject(scheme);
  const allowed = isAllowedHost(url, options.policy);
  const host = bare(url.hostname);
  if (!allowed && isIP(host)) {
    const problem = addressProblem(host);
    if (problem) return Promise.reject(new DestinationRefused(problem));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'GET', signal, agent: false,
      headers: { 'accept-encoding': 'gzip, deflate, br', ...options.headers },
      ...(allowed ? {} : { lookup: publicOnlyLookup }),
    }, resolve);
    request.on('error', reject);
    request.end();
  });
}

/** The body of a response, decompressed, refused past `maxBytes`. */
async function readBody(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? 0);
  const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' && declared > maxBytes) {
    response.destroy();
    throw new ResponseTooLarge(`the response is larger than ${maxBytes} bytes`);
  }
  const decoders: Record<string, () => NodeJS.ReadWriteStream> = { gzip: zlib.createGunzip, 'x-gzip': zlib.createGunzip, deflate: zlib.createInflate, br: zlib.createBrotliDecompress };
  const decoder = decoders[encoding]?.();
  if (!decoder && encoding !== 'identity') {
    response.destroy();
    throw new DestinationRefused(`the response is encoded as ${encoding}, which is not read`);
  }
  const stream: NodeJS.ReadableStream = decoder ? response.pipe(decoder) : response;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      // Counted after decompression: a small compressed body cannot unpack past the limit.
      if (size > maxBytes) throw new ResponseTooLarge(`the response is larger than ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    if (size > maxBytes) response.destroy();
  }
  return Buffer.concat(chunks);
}

/**
 * GET `url` under the guard, following up to `maxRedirects` redirects (each hop checked as the
 * first). Throws DestinationRefused or ResponseTooLarge for what retrying cannot fix, and a plain
 * Error for network faults and the deadline.
 */
export async function guardedGet(url: string, options: GuardedGetOptions): Promise<GuardedResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const maxRedirects = options.maxRedirects ?? 5;
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new DestinationRefused('not an absolute URL');
  }
  try {
    for (let hop = 0; ; hop++) {
      const response = await requestOnce(current, options, signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.resume();
        const location = response.headers.location;
        if (!location) throw new DestinationRefused(`HTTP ${status} without a Location`);
        if (hop >= maxRedirects) throw new DestinationRefused(`more than ${maxRedirects} redirects`);
        const next = new URL(location, current);
        const refused = refusedScheme(next);
        if (refused) throw new DestinationRefused(`redirected to ${next.protocol}//${next.host}: ${refused.message}`);
        current = next;
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        return { status, url: current.href, body: Buffer.alloc(0) };
      }
      return { status, url: current.href, body: await readBody(response, options.maxBytes) };
    }
  } catch (error) {
    if (error instanceof DestinationRefused || error instanceof ResponseTooLarge) {
      // Say where a redirect led, so the reason names the hop that was refused.
      if (current!.href !== url && !error.message.startsWith('redirected')) error.message = `redirected to ${current!.protocol}//${current!.host}: ${error.message}`;
      throw error;
    }
    if (signal.aborted) throw new Error(`no complete answer within ${options.timeoutMs / 1000} s`, { cause: error });
    throw error;
  }
}
