import { relayBlock } from './live-updates.controller';

describe('live updates relayed to a page', () => {
  it('keep the event id and name, and drop the NHS number and link', () => {
    const block = [
      'id: 42',
      'event: notification',
      `data: ${JSON.stringify({ id: 'n1', nhsNumber: '9434765919', eventId: 'e1', entryType: 'CareVisitRecorded', occurredAt: '2026-05-12T09:00:00.000Z', reason: 'attention', link: '/v1/patients/9434765919/entries/e1' })}`,
    ].join('\n');
    const relayed = relayBlock(block);
    expect(relayed).toBe(
      'id: 42\nevent: notification\ndata: {"entryType":"CareVisitRecorded","occurredAt":"2026-05-12T09:00:00.000Z","reason":"attention"}\n\n',
    );
    expect(relayed).not.toContain('9434765919');
  });

  it('passes comments and retry lines through', () => {
    expect(relayBlock(': keep-alive')).toBe(': keep-alive\n\n');
    expect(relayBlock('retry: 2000')).toBe('retry: 2000\n\n');
  });
});
