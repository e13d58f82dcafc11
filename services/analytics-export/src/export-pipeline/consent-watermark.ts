/** How far this service has read one partition of the patient topic. */
export interface PatientPartitionProgress {
  partition: number;
  /** The partition's high watermark when it was fetched. */
  highWatermark: bigint;
  /** The next offset the service needs (its checkpoint); undefined if it has read nothing. */
  nextOffset: bigint | undefined;
  /** The latest recordedAt among the events read from it. */
  maxRecordedAt: Date | undefined;
}

/**
 * The consent watermark: a time T such that every opt-out recorded at or before T has been
 * read. An entry is decided only once T has reached its recordedAt, so an opt-out recorded
 * before the entry is always applied, whichever topic Kafka delivered first.
 *
 * A partition read to its end, as fetched at `observedAt`, holds every event appended
 * before then; one not yet read to its end holds, as far as we know, every event recorded up
 * to the latest recordedAt read from it. Both are lowered by `marginMs`: the longest time a
 * producer may take from stamping recordedAt to the broker's acknowledgement, plus clock skew.
 * Undefined while some partition gives no bound at all.
 */
export function consentWatermark(
  partitions: readonly PatientPartitionProgress[],
  observedAt: Date,
  marginMs: number,
): Date | undefined {
  if (partitions.length === 0) return undefined;
  let watermark = Infinity;
  for (const progress of partitions) {
    const readToEnd = (progress.nextOffset ?? 0n) >= progress.highWatermark;
    const bound = readToEnd ? observedAt : progress.maxRecordedAt;
    if (!bound) return undefined;
    watermark = Math.min(watermark, bound.getTime() - marginMs);
  }
  return new Date(watermark);
}
