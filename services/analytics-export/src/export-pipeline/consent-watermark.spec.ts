import { consentWatermark } from './consent-watermark';

const observedAt = new Date('2026-11-25T10:00:00.000Z');
const MARGIN = 30_000;
const at = (iso: string) => new Date(iso);

describe('the consent watermark', () => {
  it('is the observation time less the margin when every partition has been read to its end', () => {
    expect(
      consentWatermark(
        [
          {
            partition: 0,
            highWatermark: 5n,
            nextOffset: 5n,
            maxRecordedAt: at('2026-11-25T09:00:00Z'),
          },
          { partition: 1, highWatermark: 0n, nextOffset: undefined, maxRecordedAt: undefined },
        ],
        observedAt,
        MARGIN,
      ),
    ).toEqual(at('2026-11-25T09:59:30.000Z'));
  });

  it('is held back by a partition not yet read to its end, to the latest recordedAt read from it', () => {
    expect(
      consentWatermark(
        [
          { partition: 0, highWatermark: 5n, nextOffset: 5n, maxRecordedAt: undefined },
          {
            partition: 1,
            highWatermark: 9n,
            nextOffset: 4n,
            maxRecordedAt: at('2026-11-25T09:40:00Z'),
          },
        ],
        observedAt,
        MARGIN,
      ),
    ).toEqual(at('2026-11-25T09:39:30.000Z'));
  });

  it('gives no bound while a partition holds events none of which has been read', () => {
    expect(
      consentWatermark(
        [{ partition: 0, highWatermark: 3n, nextOffset: undefined, maxRecordedAt: undefined }],
        observedAt,
        MARGIN,
      ),
    ).toBeUndefined();
    expect(consentWatermark([], observedAt, MARGIN)).toBeUndefined();
  });
});
