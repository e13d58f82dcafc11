import type { SourceDomain } from '@carelog/domain';
import {
  toAnalyticsCandidate,
  type AnalyticsCandidate,
  type EntryToExport,
  type ExclusionReason,
  type FeedSettings,
} from './analytics-entry';

/** The opt-outs that keep a patient's data off the feed (record-sharing opt-outs do not). */
export const ANALYTICS_OPT_OUT_TYPES = ['national-data-opt-out', 'type-1'] as const;
export type AnalyticsOptOutType = (typeof ANALYTICS_OPT_OUT_TYPES)[number];

export const isAnalyticsOptOutType = (value: string): value is AnalyticsOptOutType =>
  (ANALYTICS_OPT_OUT_TYPES as readonly string[]).includes(value);

/** A patient's opt-outs in force, as far as the patient topic has been read. */
export interface OptOuts {
  nationalDataOptOut: boolean;
  type1: boolean;
}

export const NO_OPT_OUTS: OptOuts = { nationalDataOptOut: false, type1: false };

/**
 * The National Data Opt-out keeps all of a patient's data off the feed; a Type 1 opt-out
 * keeps off what came from their GP practice (the gp setting).
 */
export function optOutExclusion(
  setting: SourceDomain,
  optOuts: OptOuts,
): 'national-data-opt-out' | 'type-1-opt-out' | undefined {
  if (optOuts.nationalDataOptOut) return 'national-data-opt-out';
  if (optOuts.type1 && setting === 'gp') return 'type-1-opt-out';
  return undefined;
}

/**
 * The whole decision for one entry: what the feed receives, or why nothing. The service takes
 * it in two steps (the entry is shaped when read, and decided once the patient's opt-outs are
 * known), each step this function's own.
 */
export function decideExport(
  input: EntryToExport,
  optOuts: OptOuts,
  settings: FeedSettings,
): { candidate: AnalyticsCandidate } | { excluded: ExclusionReason } {
  const shaped = toAnalyticsCandidate(input, settings);
  if ('excluded' in shaped) return shaped;
  const excluded = optOutExclusion(input.setting, optOuts);
  return excluded ? { excluded } : shaped;
}
