/**
 * Presentation timestamps for a track's samples, on the timeline `<video>.currentTime` uses:
 * composition offsets included and the edit list applied. Plain data in, plain data out.
 */

/** One `elst` entry, as mp4box reports it. */
export interface EditEntry {
  /** In the movie timescale; 0 in fragmented files means "to the end of the media". */
  segment_duration: number;
  /** In the track timescale; -1 is an empty edit (a delay before the media starts). */
  media_time: number;
}

export interface TimelineInput {
  /** Composition times in the track timescale, one per sample, in decode order. */
  cts: ArrayLike<number>;
  timescale: number;
  movieTimescale: number;
  edits?: readonly EditEntry[];
  /**
   * The samples come from movie fragments (`moof`): their times are the stream's own (a
   * segment cut from a live or VOD stream starts late on purpose), so they are not moved.
   */
  fragmented?: boolean;
}

export interface Timeline {
  /** Presentation time in seconds of each sample (decode order); may be negative for pre-roll. */
  pts: Float64Array;
  /** Whether the edit list keeps the sample on screen (false: decode-only pre-roll or trimmed). */
  presented: Uint8Array;
}

/**
 * Applies the first non-empty edit, after any leading empty edits, the way FFmpeg's MP4
 * demuxer does (and so Chromium's `<video>` and ffprobe): a sample is shown when its
 * composition time falls inside `[media_time, media_time + segment_duration)`, shifted so
 * that `media_time` lands at the end of the leading empty edits. Later edits (rare: slow
 * motion or repeated segments) are not applied; their samples keep the first edit's shift.
 *
 * When the edit starts inside a frame (`media_time` between two composition times, as in
 * trimmed iPhone clips), that frame is dropped and, as FFmpeg's `mov_fix_index` does ("Offset
 * DTS … to make first pts zero"), the whole track moves back so the first shown frame starts
 * the edit. Chromium's `<video>` demuxes MP4 with FFmpeg and ffprobe reports these times.
 */
export function buildTimeline({ cts, timescale, movieTimescale, edits, fragmented = false }: TimelineInput): Timeline {
  const count = cts.length;
  const pts = new Float64Array(count);
  const presented = new Uint8Array(count).fill(1);

  /** Leading empty edits, in movie ticks. */
  let delayTicks = 0;
  let mediaStart = 0;
  let mediaEnd = Infinity;
  // Edits in a movie timescale of 0 (a damaged mvhd) cannot be placed: ignore them.
  const usable = movieTimescale > 0 ? (edits ?? []).filter((e) => Number.isFinite(e.segment_duration) && Number.isFinite(e.media_time)) : [];
  for (const edit of usable) {
    if (edit.media_time === -1) {
      delayTicks += edit.segment_duration;
      continue;
    }
    mediaStart = edit.media_time;
    if (edit.segment_duration > 0 && movieTimescale > 0) {
      mediaEnd = mediaStart + (edit.segment_duration * timescale) / movieTimescale;
    }
    break;
  }
  const hasWindow = usable.some((edit) => edit.media_time !== -1);

  let firstShown = Infinity;
  for (let i = 0; i < count; i++) {
    if (hasWindow && (cts[i] < mediaStart || cts[i] >= mediaEnd)) presented[i] = 0;
    else firstShown = Math.min(firstShown, cts[i]);
  }
  // An edit list that would hide every frame is malformed; show them all rather than nothing.
  if (count > 0 && !presented.includes(1)) {
    presented.fill(1);
    firstShown = mediaStart;
  }
  if (hasWindow && !fragmented && firstShown > mediaStart && firstShown !== Infinity) mediaStart = firstShown;
  // One division where the ticks allow it: delay + offset, each divided, rounds twice, and a
  // frame at 0.5 s + 0.203 s would land at 0.7030000000000001, after the time that asks for it.
  const delay = movieTimescale > 0 ? delayTicks / movieTimescale : 0;
  const denominator = movieTimescale * timescale;
  if (delayTicks > 0 && Number.isSafeInteger(denominator)) {
    for (let i = 0; i < count; i++) {
      const numerator = delayTicks * timescale + (cts[i] - mediaStart) * movieTimescale;
      pts[i] = Number.isSafeInteger(numerator) ? numerator / denominator : delay + (cts[i] - mediaStart) / timescale;
    }
  } else {
    // Without a delay (the common case) `delay` is 0 and this is exact: one division.
    for (let i = 0; i < count; i++) pts[i] = delay + (cts[i] - mediaStart) / timescale;
  }
  return { pts, presented };
}
