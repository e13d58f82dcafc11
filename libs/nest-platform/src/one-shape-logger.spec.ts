import { DomainError } from '@carelog/domain';
import { nestLogEvent } from './one-shape-logger';

describe("Nest's log calls in the one log shape", () => {
  it('takes the last string as the logger, and a string with frames as the stack', () => {
    const stack = 'Error: boom\n    at handler (/app/x.js:1:1)';
    expect(nestLogEvent('failed to start', [stack, 'main'])).toEqual({
      logger: 'nest.main',
      message: 'failed to start',
      fields: { stack: 'at handler (/app/x.js:1:1)' },
    });
    expect(nestLogEvent('Mapped {/v1/entries, POST} route', ['RouterExplorer'])).toMatchObject({
      logger: 'nest.RouterExplorer',
      fields: { stack: undefined },
    });
    expect(nestLogEvent('plain', [])).toMatchObject({ logger: 'nest', message: 'plain' });
  });

  it('logs an Error by its type and frames, never its message', () => {
    const event = nestLogEvent(new RangeError('value 9434765919 out of range'), ['Ctx']);
    expect(event.message).toBe('unexpected RangeError');
    expect(JSON.stringify(event)).not.toContain('9434765919');
  });

  it("logs a DomainError's code and message, written to be shown (a setting missing at start)", () => {
    const event = nestLogEvent(new DomainError('invalid-setting', 'CARELOG_X is not set'), []);
    expect(event.message).toBe('invalid-setting: CARELOG_X is not set');
  });

  it('logs an object by its type, never its content', () => {
    const event = nestLogEvent({ nhsNumber: '9434765919' }, []);
    expect(event.message).toBe('Object logged');
    expect(JSON.stringify(event)).not.toContain('9434765919');
  });
});
