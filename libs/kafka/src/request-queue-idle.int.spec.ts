import { eventually, uniqueName } from '@carelog/testing';
import { createKafka } from './client';
import { ensureTopics, recordTopicSpec } from './topics';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  new (options: Record<string, unknown>): {
    maybeThrottle(ms: number): void;
    push(request: Record<string, unknown>): void;
    destroy(): void;
  };
  prototype: { checkPendingRequests(): void };
};

/** kafkajs's request queues, patched by createKafka (request-queue-idle.ts), on the real broker. */
describe('an idle kafkajs connection', () => {
  const kafka = createKafka('request-queue-idle-int-test');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const topic = uniqueName('request-queue-idle');

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [recordTopicSpec(topic, 1)]).finally(() => admin.disconnect());
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });
  }, 60_000);

  afterAll(() => producer.disconnect());

  it('given a connected producer with nothing to send, then its request queues are not checked again and again (unpatched: every millisecond)', async () => {
    const check = jest.spyOn(RequestQueue.prototype, 'checkPendingRequests');
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Unpatched, each connection's queue is checked about a thousand times a second.
      expect(check.mock.calls.length).toBeLessThan(20);
    } finally {
      check.mockRestore();
    }
  });

  it('given it has been idle, when it sends again, then the request is answered', async () => {
    const [answer] = await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    expect(answer?.errorCode).toBe(0);
    expect(BigInt(answer?.baseOffset ?? '-1')).toBe(1n);
  });

  it('given a broker throttling the client, when a request is queued, then it is still sent once the throttle ends', async () => {
    createKafka('request-queue-idle-throttle-test');
    const quiet = () => undefined;
    const queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 1000,
      enforceRequestTimeout: false,
      clientId: 'request-queue-idle-throttle-test',
      broker: 'none',
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
    let sent = false;
    try {
      queue.maybeThrottle(100);
      queue.push({
        entry: { correlationId: 1, resolve: () => undefined, reject: () => undefined },
        expectResponse: false,
        sendRequest: () => (sent = true),
      });
      expect(sent).toBe(false);
      await eventually(() => expect(sent).toBe(true));
    } finally {
      queue.destroy();
    }
  });
});
