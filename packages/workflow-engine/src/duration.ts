import { z } from "zod";

/**
 * Longest duration anywhere in a definition, run options, engine or HTTP client options: 366 days, in ms. Waits
 * longer than a timer can hold (2^31-1 ms, about 24.8 days) are split, so every duration up to this one is exact.
 */
export const MAX_DURATION_MS = 31_622_400_000;

/** zod schema of a duration in ms: an integer from 0 to {@link MAX_DURATION_MS}. @internal */
export const durationSchema = z.number().int().min(0).max(MAX_DURATION_MS);

/** Longest single timer: Node fires a longer `setTimeout` after 1 ms. @internal */
export const MAX_TIMER_MS = 2_147_483_647;
