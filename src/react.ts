// `rerun-video/react`: <RerunVideo> for React, made with @lit/react (it sets properties, not
// attributes, and adds the event listeners, in React 17, 18 and 19 alike), and the JSX typing
// of the plain <rerun-video> tag.
import * as React from 'react';
import { createComponent, type EventName } from '@lit/react';
import type {
  FrameEvent,
  IndexedEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
} from './events.js';
import type { RerunVideoProperties } from './framework-types.js';
import { RerunVideo as RerunVideoElement } from './rerun-video.js';

export { RerunVideoElement };
export type { RerunVideoProperties } from './framework-types.js';
export type {
  FrameDetail,
  FrameEvent,
  IndexedDetail,
  IndexedEvent,
  LoadedMetadataEvent,
  MetadataDetail,
  RerunVideoErrorEvent,
  UnsupportedCodecDetail,
  UnsupportedCodecEvent,
} from './events.js';

/** The event props of `<RerunVideo>`. */
export interface RerunVideoEventProps {
  /** `loadedmetadata`: the video track is parsed. */
  onLoadedMetadata?: (event: LoadedMetadataEvent) => void;
  /** `frame`: a different frame has been painted. */
  onFrame?: (event: FrameEvent) => void;
  /** `indexed`: every frame is in `frameTimestamps`. */
  onIndexed?: (event: IndexedEvent) => void;
  /** `unsupported-codec`: the codec cannot be decoded here; the fallback (if any) follows. */
  onUnsupportedCodec?: (event: UnsupportedCodecEvent) => void;
  /** `error`: nothing can be shown for `src`. */
  onError?: (event: RerunVideoErrorEvent) => void;
  // The media events, as `<video>` fires them (React's own onPlay & co. listen on <video> and
  // <audio> only: media events do not bubble).
  onLoadStart?: (event: Event) => void;
  onEmptied?: (event: Event) => void;
  onDurationChange?: (event: Event) => void;
  onLoadedData?: (event: Event) => void;
  onCanPlay?: (event: Event) => void;
  onCanPlayThrough?: (event: Event) => void;
  onPlay?: (event: Event) => void;
  onPlaying?: (event: Event) => void;
  onWaiting?: (event: Event) => void;
  onPause?: (event: Event) => void;
  onEnded?: (event: Event) => void;
  onSeeking?: (event: Event) => void;
  onSeeked?: (event: Event) => void;
  onTimeUpdate?: (event: Event) => void;
  onRateChange?: (event: Event) => void;
  onVolumeChange?: (event: Event) => void;
}

/** The media events `<RerunVideo>` maps, by prop. */
const MEDIA_EVENTS = {
  onLoadStart: 'loadstart',
  onEmptied: 'emptied',
  onDurationChange: 'durationchange',
  onLoadedData: 'loadeddata',
  onCanPlay: 'canplay',
  onCanPlayThrough: 'canplaythrough',
  onPlay: 'play',
  onPlaying: 'playing',
  onWaiting: 'waiting',
  onPause: 'pause',
  onEnded: 'ended',
  onSeeking: 'seeking',
  onSeeked: 'seeked',
  onTimeUpdate: 'timeupdate',
  onRateChange: 'ratechange',
  onVolumeChange: 'volumechange',
} as const satisfies Record<string, keyof HTMLElementEventMap>;

/** The props of `<RerunVideo>`: the element's settable properties, its events, and React's HTML props. */
export type RerunVideoProps = Partial<RerunVideoProperties> &
  RerunVideoEventProps &
  Omit<React.HTMLAttributes<RerunVideoElement>, keyof RerunVideoEventProps | keyof RerunVideoProperties> &
  React.RefAttributes<RerunVideoElement>;

/**
 * `<rerun-video>` as a React component. Importing this module defines the element.
 *
 * ```tsx
 * <RerunVideo src="camera.mp4" time={t} onFrame={(e) => setIndex(e.detail.index)} />
 * ```
 */
export const RerunVideo: React.ForwardRefExoticComponent<RerunVideoProps> = createComponent({
  react: React,
  tagName: 'rerun-video',
  elementClass: RerunVideoElement,
  events: {
    onLoadedMetadata: 'loadedmetadata' as EventName<LoadedMetadataEvent>,
    onFrame: 'frame' as EventName<FrameEvent>,
    onIndexed: 'indexed' as EventName<IndexedEvent>,
    onUnsupportedCodec: 'unsupported-codec' as EventName<UnsupportedCodecEvent>,
    onError: 'error' as EventName<RerunVideoErrorEvent>,
    ...MEDIA_EVENTS,
  },
  displayName: 'RerunVideo',
});

/**
 * The plain `<rerun-video>` tag in JSX. React 19 sets a prop as a property when the element
 * has it (so `time={1.5}` is a number, and `codecHint` works once the element is defined) and
 * otherwise as an attribute (`codec-hint="h264"`); a prop `on<event>` with the event's exact,
 * case-sensitive name (`onframe`, `onunsupported-codec`) adds a listener. React 18 sets only
 * attributes and adds no listeners: use `<RerunVideo>` there.
 */
export type RerunVideoJSXProps = React.DetailedHTMLProps<
  Omit<React.HTMLAttributes<RerunVideoElement>, keyof RerunVideoProperties>,
  RerunVideoElement
> &
  Partial<RerunVideoProperties> & {
    'codec-hint'?: string;
    'cache-size'?: number | string;
    'hardware-acceleration'?: HardwareAcceleration;
    crossorigin?: 'anonymous' | 'use-credentials' | '';
    onloadedmetadata?: (event: LoadedMetadataEvent) => void;
    onframe?: (event: FrameEvent) => void;
    onindexed?: (event: IndexedEvent) => void;
    'onunsupported-codec'?: (event: UnsupportedCodecEvent) => void;
    onerror?: (event: RerunVideoErrorEvent) => void;
  };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- React's JSX types live in a namespace
  namespace JSX {
    interface IntrinsicElements {
      'rerun-video': RerunVideoJSXProps;
    }
  }
}
