import type { LookupAddress } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The setting that lets an operator allow non-public webhook destinations. */
export const ALLOWED_DESTINATIONS_VARIABLE = 'CARELOG_WEBHOOK_ALLOWED_DESTINATIONS';

/** The stable code of a refused destination, at subscription (problem+json) and at delivery (dead letter). */
export const DESTINATION_NOT_ALLOWED = 'webhook-destination-not-allowed';

/** A non-public network an operator allowed webhooks to reach, on one port or any. */
export interface AllowedDestination {
  network: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port: number | undefined;
}

/** Every address a host name resolves to. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export const resolveWithSystem: ResolveHost = (hostname) =>
  systemLookup(hostname, { all: true, verbatim: true });

/** A destination webhooks may not reach; `reason` names the address, for operators only. */
export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
  constructor(
    readonly kind: 'not-allowed' | 'unresolved',
    readonly reason: string,
  ) {
    super(reason);
  }
}

function allowedDestination(entry: string): AllowedDestination {
  const invalid = () =>
    new Error(
      `${ALLOWED_DESTINATIONS_VARIABLE}: "${entry}" is not an address or CIDR range with an optional port (10.1.2.3, 10.0.0.0/8, 127.0.0.1:8080, [::1]:8080, fd00::/8)`,
    );
  let network = entry;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    const rest = entry.slice(end + 1);
    if (end < 0 || (rest !== '' && !rest.startsWith(':'))) throw invalid();
    network = entry.slice(1, end);
    portText = rest === '' ? undefined : rest.slice(1);
  } else if (entry.split(':').length === 2) {
    [network = '', portText] = entry.split(':');
  }
  const [address = '', prefixText, ...extra] = network.split('/');
  // net.isIP accepts only the plain spellings (no octal, hex or shortened IPv4).
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  const port = portText === undefined ? undefined : Number(portText);
  if (
    family === 0 ||
    extra.length > 0 ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText)) ||
    prefix > bits ||
    (portText !== undefined && !/^\d+$/.test(portText)) ||
    (port !== undefined && (port < 1 || port > 65535))
  )
    throw invalid();
  return { network: [ipaddr.parse(address), prefix], port };
}

/** `CARELOG_WEBHOOK_ALLOWED_DESTINATIONS`: comma-separated; empty by default (nothing non-public). */
export function parseAllowedDestinations(raw: string | undefined): AllowedDestination[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map(allowedDestination);
}

const withoutBrackets = (hostname: string): string =>
  hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;

const portOf = (url: URL): number =>
  url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);

/**
 * Where webhooks may go: public unicast addresses, and the non-public ones an operator allowed.
 * Everything else (loopback, private, CGNAT, link-local and cloud metadata, unique-local,
 * unspecified, multicast, reserved, and IPv6 forms that carry an IPv4 address) is refused.
 * The check is made on every address a name resolves to, and the connection is made to the
 * addresses checked (the lookup of the request itself), so a name that changes its answer
 * between a check and the connection cannot slip through.
 */
export class WebhookEgress {
  constructor(
    private readonly allowed: readonly AllowedDestination[],
    private readonly resolve: ResolveHost = resolveWithSystem,
  ) {}

  /** Why a webhook may not connect to this address and port; undefined when it may. */
  refusal(address: string, port: number): string | undefined {
    if (isIP(address) === 0) return `${address} is not an IP address`;
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it reaches.
    const ip = ipaddr.process(address);
    const range = ip.range();
    if (range === 'unicast') return undefined;
    const allowed = this.allowed.some(
      ({ network, port: allowedPort }) =>
        (allowedPort === undefined || allowedPort === port) &&
        ip.kind() === network[0].kind() &&
        ip.match(network),
    );
    return allowed ? undefined : `${ip.toString()} port ${port} (${range}) is not allowed`;
  }

  /** Every address of a URL's host, each checked: one refused address refuses the host. */
  async addressesOf(hostname: string, port: number): Promise<LookupAddress[]> {
    const host = withoutBrackets(hostname);
    const family = isIP(host);
    let addresses: LookupAddress[];
    if (family !== 0) addresses = [{ address: host, family }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        throw new DestinationRefused(
          'unresolved',
          `${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
      if (addresses.length === 0)
        throw new DestinationRefused('unresolved', `${host} has no address`);
    }
    for (const { address } of addresses) {
      const refusal = this.refusal(address, port);
      if (refusal !== undefined)
        throw new DestinationRefused(
          'not-allowed',
          family === 0 ? `${host} resolves to ${refusal}` : refusal,
        );
    }
    return addresses;
  }

  /** Whether a subscription may name this URL: undefined, or why not. */
  async refusalOf(url: string): Promise<DestinationRefused | undefined> {
    const target = new URL(url);
    try {
      await this.addressesOf(target.hostname, portOf(target));
      return undefined;
    } catch (error) {
      if (error instanceof DestinationRefused) return error;
      throw error;
    }
  }

  /** The request's own name lookup: it connects only to addresses checked here. */
  private lookupFor(port: number): LookupFunction {
    return (hostname, options, callback) => {
      this.addressesOf(hostname, port).then(
        (addresses) => {
          const wanted =
            options.family === 4 || options.family === 6
              ? addresses.filter((address) => address.family === options.family)
              : addresses;
          const [first] = wanted;
          if (!first)
            callback(
              new DestinationRefused(
                'unresolved',
                `${hostname} has no IPv${options.family} address`,
              ),
              '',
            );
          else if (options.all) callback(null, wanted);
          else callback(null, first.address, first.family);
        },
        (error: Error) => callback(error, ''),
      );
    };
  }

  /**
   * POSTs a body and answers the receiver's HTTP status, without following redirects or
   * reading the answer. Rejects with DestinationRefused before anything is sent to a refused
   * destination, and with a TimeoutError after timeoutMs.
   */
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<number> {
    const target = new URL(url);
    const port = portOf(target);
    // An address literal is connected to without a lookup: check it here.
    if (isIP(withoutBrackets(target.hostname)) !== 0) await this.addressesOf(target.hostname, port);
    const signal = AbortSignal.timeout(timeoutMs);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const request = send(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
          // A connection of its own: every delivery is looked up and checked afresh.
          agent: false,
          lookup: this.lookupFor(port),
          signal,
        },
        (response: IncomingMessage) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('error', (error) => reject(signal.aborted ? (signal.reason as Error) : error));
      request.end(body);
    });
  }
}
