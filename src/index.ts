export { RerunVideo, type RerunVideoEventMap } from './rerun-video.js';
export { FrameEvent, LoadedMetadataEvent, RerunVideoErrorEvent, type FrameDetail, type MetadataDetail } from './events.js';
export type { RerunVideoErrorCode, RerunVideoErrorInfo } from './errors.js';
export type { VideoState } from './video-controller.js';
export { openVideoFrames } from './decode/frame-decoder.js';
