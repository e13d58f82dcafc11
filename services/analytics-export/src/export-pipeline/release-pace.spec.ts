import { ReleasePace } from './release-pace';

const BUSY = 500;
const IDLE = 60_000;

/** The pace after one look that counted `awaiting` entries undecided. */
function afterLook(awaiting: number): ReleasePace {
  const pace = new ReleasePace(BUSY, IDLE);
  pace.lookStarted();
  pace.counted(awaiting);
  return pace;
}

describe('the release loop’s pace', () => {
  it('given nothing waiting, when a batch is written, then the loop is woken', () => {
    const pace = afterLook(0);
    expect(pace.nextIntervalMs()).toBe(IDLE);
    expect(pace.wake()).toBe(true);
  });

  it('given entries waiting, when a batch is written, then it is not woken but looks soon', () => {
    const pace = afterLook(4);
    expect(pace.wake()).toBe(false);
    expect(pace.nextIntervalMs()).toBe(BUSY);
  });

  it('given entries waiting, when a batch is written during a look that then counts none, then the next look is soon, not at the idle pace', () => {
    // The look counted before the batch committed; the wake came while the count still said 4.
    const pace = afterLook(4);
    pace.lookStarted();
    expect(pace.wake()).toBe(false);
    pace.counted(0);
    expect(pace.nextIntervalMs()).toBe(BUSY);
  });

  it('goes back to the idle pace after a look that started after the last wake and found nothing', () => {
    const pace = afterLook(4);
    pace.wake();
    pace.lookStarted();
    pace.counted(0);
    expect(pace.nextIntervalMs()).toBe(IDLE);
  });
});
