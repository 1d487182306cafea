export { RerunVideo, type RerunVideoEventMap } from './rerun-video.js';
export {
  FrameEvent,
  IndexedEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
  type FrameDetail,
  type IndexedDetail,
  type MetadataDetail,
  type UnsupportedCodecDetail,
  type UnsupportedCodecReason,
} from './events.js';
export type { RerunVideoErrorCode, RerunVideoErrorInfo } from './errors.js';
export type { RerunVideoPlaybackQuality, VideoState } from './video-controller.js';
export { checkSupport, codecForHint, type SupportResult } from './codecs.js';
export { RerunVideoClock } from './playback/clock.js';
export { MediaTimeRanges } from './playback/time-ranges.js';
export type { ControlsActions, ControlsModel } from './controls.js';
