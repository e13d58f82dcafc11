import type { LookupAddress } from 'node:dns';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@carelog/testing';
import { settingsFromEnv } from '../settings';
import {
  DestinationRefused,
  parseAllowedDestinations,
  WebhookEgress,
  type ResolveHost,
} from './webhook-egress';

/** A resolver the test controls: each name answers its lists in turn (the last one repeats). */
const resolver = (answers: Record<string, string[][]>): ResolveHost => {
  const asked = new Map<string, number>();
  return (hostname) => {
    const lists = answers[hostname];
    if (!lists)
      return Promise.reject(Object.assign(new Error('no such name'), { code: 'ENOTFOUND' }));
    const turn = asked.get(hostname) ?? 0;
    asked.set(hostname, turn + 1);
    const list = lists[Math.min(turn, lists.length - 1)] ?? [];
    return Promise.resolve(
      list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
};

const refusedPost = async (egress: WebhookEgress, url: string): Promise<DestinationRefused> => {
  const error: unknown = await egress.post(url, '{}', {}, 2000).then(
    (status) => new Error(`posted: HTTP ${status}`),
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(DestinationRefused);
  return error as DestinationRefused;
};

describe('webhook egress', () => {
  describe('which addresses a webhook may reach', () => {
    const egress = new WebhookEgress([]);

    it.each([
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['169.254.169.254', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.1', 'reserved'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['fd00:ec2::254', 'uniqueLocal'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'linkLocal'],
      ['64:ff9b::7f00:1', 'rfc6052'],
      ['2002:7f00:1::', '6to4'],
    ])('refuses %s (%s) by default', (address, range) => {
      expect(egress.refusal(address, 443)).toContain(`(${range}) is not allowed`);
    });

    it.each(['93.184.215.14', '172.15.255.255', '172.32.0.1', '100.128.0.1', '2606:4700::1111'])(
      'allows the public address %s',
      (address) => expect(egress.refusal(address, 443)).toBeUndefined(),
    );

    it('refuses what is not an IP address at all', () => {
      expect(egress.refusal('localhost', 80)).toBe('localhost is not an IP address');
      expect(egress.refusal('2130706433', 80)).toBe('2130706433 is not an IP address');
    });

    it('allows exactly the networks and ports an operator listed', () => {
      const allowing = new WebhookEgress(
        parseAllowedDestinations('127.0.0.1:3101, 10.0.0.0/8, [fd00::/8]:443'),
      );
      expect(allowing.refusal('127.0.0.1', 3101)).toBeUndefined();
      expect(allowing.refusal('::ffff:127.0.0.1', 3101)).toBeUndefined();
      expect(allowing.refusal('127.0.0.1', 15432)).toContain('(loopback) is not allowed');
      expect(allowing.refusal('127.0.0.2', 3101)).toContain('(loopback) is not allowed');
      expect(allowing.refusal('10.200.1.1', 5432)).toBeUndefined();
      expect(allowing.refusal('172.16.0.1', 443)).toContain('(private) is not allowed');
      expect(allowing.refusal('fd00:ec2::254', 443)).toBeUndefined();
      expect(allowing.refusal('fd00:ec2::254', 80)).toContain('(uniqueLocal) is not allowed');
      expect(allowing.refusal('169.254.169.254', 80)).toContain('(linkLocal) is not allowed');
    });
  });

  describe('the operator allow-list setting', () => {
    it('reads addresses and CIDR ranges with optional ports', () => {
      expect(
        parseAllowedDestinations(' 10.1.2.3 ,10.0.0.0/8,127.0.0.1:8080,[::1]:8080,fd00::/8,,').map(
          ({ network: [address, bits], port }) => `${address.toString()}/${bits}:${port ?? '*'}`,
        ),
      ).toEqual([
        '10.1.2.3/32:*',
        '10.0.0.0/8:*',
        '127.0.0.1/32:8080',
        '::1/128:8080',
        'fd00::/8:*',
      ]);
      expect(parseAllowedDestinations(undefined)).toEqual([]);
    });

    it.each([
      'localhost:3101',
      'example.org',
      '10.0.0.0/33',
      '10.0.0.0/8/1',
      '0x7f.1',
      '127.1',
      '127.0.0.1:0',
      '127.0.0.1:70000',
      '[::1',
      '[::1]8080',
    ])('refuses to start with %s', (entry) => {
      expect(() =>
        settingsFromEnv({ CARELOG_WEBHOOK_ALLOWED_DESTINATIONS: `127.0.0.1:3101,${entry}` }),
      ).toThrow(/CARELOG_WEBHOOK_ALLOWED_DESTINATIONS/);
    });
  });

  describe('names are judged by every address they resolve to', () => {
    it('refuses a name resolving to loopback, or to any non-public address among public ones', async () => {
      const egress = new WebhookEgress(
        [],
        resolver({
          'rebound.test': [['127.0.0.1']],
          'mixed.test': [['93.184.215.14', '10.0.0.1']],
          'metadata.test': [['::ffff:169.254.169.254']],
          'public.test': [['93.184.215.14', '2606:4700::1111']],
        }),
      );
      expect(await egress.refusalOf('http://rebound.test:3101/hooks')).toMatchObject({
        kind: 'not-allowed',
        reason: 'rebound.test resolves to 127.0.0.1 port 3101 (loopback) is not allowed',
      });
      expect((await egress.refusalOf('https://mixed.test/'))?.reason).toBe(
        'mixed.test resolves to 10.0.0.1 port 443 (private) is not allowed',
      );
      expect((await egress.refusalOf('http://metadata.test/'))?.kind).toBe('not-allowed');
      expect(await egress.refusalOf('http://public.test/')).toBeUndefined();
      expect((await egress.refusalOf('http://nowhere.test/'))?.kind).toBe('unresolved');
    });

    it('refuses localhost through the system resolver', async () => {
      expect((await new WebhookEgress([]).refusalOf('http://localhost:3101/'))?.reason).toMatch(
        /^localhost resolves to (127\.0\.0\.1|::1) port 3101 \(loopback\) is not allowed$/,
      );
    });
  });

  describe('posting', () => {
    let receiver: WebhookReceiver;
    let port: number;
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      port = Number(new URL(receiver.baseUrl).port);
    });
    afterAll(() => receiver.close());

    it('connects to the address its own lookup checked', async () => {
      // The system cannot resolve this name: only the checked answer can have been used.
      const egress = new WebhookEgress(
        parseAllowedDestinations(`127.0.0.1:${port}`),
        resolver({ 'receiver.test': [['127.0.0.1']] }),
      );
      const status = await egress.post(
        `http://receiver.test:${port}/checked`,
        '{"ok":true}',
        { 'Content-Type': 'application/json' },
        2000,
      );
      expect(status).toBe(200);
      expect(receiver.on('/checked').map((request) => request.body)).toEqual(['{"ok":true}']);
    });

    it('refuses a name that resolved to a public address when checked and to loopback when connecting', async () => {
      const egress = new WebhookEgress(
        [],
        resolver({ 'rebinding.test': [['93.184.215.14'], ['127.0.0.1']] }),
      );
      const url = `http://rebinding.test:${port}/rebound`;
      expect(await egress.refusalOf(url)).toBeUndefined();
      const refused = await refusedPost(egress, url);
      expect(refused.reason).toBe(
        `rebinding.test resolves to 127.0.0.1 port ${port} (loopback) is not allowed`,
      );
      expect(receiver.on('/rebound')).toEqual([]);
    });

    it('refuses, after the allow-list changed, an address allowed when subscribing', async () => {
      const before = new WebhookEgress(parseAllowedDestinations(`127.0.0.1:${port}`));
      const url = `${receiver.baseUrl}/narrowed`;
      expect(await before.refusalOf(url)).toBeUndefined();
      const after = new WebhookEgress(parseAllowedDestinations('127.0.0.1:1'));
      expect((await refusedPost(after, url)).reason).toBe(
        `127.0.0.1 port ${port} (loopback) is not allowed`,
      );
      expect((await refusedPost(after, `http://[::ffff:127.0.0.1]:${port}/narrowed`)).kind).toBe(
        'not-allowed',
      );
      expect(receiver.on('/narrowed')).toEqual([]);
    });

    it('gives up on a receiver that does not answer within the time-out', async () => {
      const slow = await startWebhookReceiver({ delayMs: 600 });
      try {
        const egress = new WebhookEgress(parseAllowedDestinations(new URL(slow.baseUrl).host));
        const error: unknown = await egress
          .post(`${slow.baseUrl}/slow`, '{}', {}, 100)
          .catch((failure: unknown) => failure);
        expect((error as Error).name).toBe('TimeoutError');
        // Its late answer, to a connection already given up, is left to finish before it closes.
        await eventually(() => expect(slow.inFlight()).toBe(0));
      } finally {
        await slow.close();
      }
    });
  });
});
