import type { DomainError } from '@carelog/domain';
import { parseLastEventId, streamStart } from './notification-feed';

describe('where a notification stream starts', () => {
  it('resumes after Last-Event-ID, whatever `from` says', () => {
    expect(streamStart('41', undefined)).toEqual({ after: '41' });
    expect(streamStart('41', 'latest')).toEqual({ after: '41' });
  });

  it('starts at the beginning by default, or after the newest with from=latest', () => {
    expect(streamStart(undefined, undefined)).toEqual({ after: '0' });
    expect(streamStart('', 'start')).toEqual({ after: '0' });
    expect(streamStart(undefined, 'latest')).toBe('latest');
  });

  it('refuses any other `from`, and a Last-Event-ID that is not one of its ids, naming the field', () => {
    expect(() => streamStart(undefined, 'yesterday')).toThrow(
      expect.objectContaining({ code: 'invalid-from', field: 'from' }) as DomainError,
    );
    expect(() => parseLastEventId('1; DROP TABLE')).toThrow(
      expect.objectContaining({
        code: 'invalid-last-event-id',
        field: 'Last-Event-ID',
      }) as DomainError,
    );
  });
});
