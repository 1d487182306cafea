// Types shared by the React and Vue typings: no runtime code, and no import of either
// framework, so `rerun-video` itself type-checks without React or Vue installed.
import type { LitElement } from 'lit';
import type {
  FrameEvent,
  IndexedEvent,
  LoadedMetadataEvent,
  RerunVideoErrorEvent,
  UnsupportedCodecEvent,
} from './events.js';
import type { RerunVideo } from './rerun-video.js';

// Two types are the same only when every conditional over them agrees: the one test that
// tells `readonly x` (and a get-only accessor) from `x`.
type IfEquals<X, Y, Then, Else = never> =
  (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? Then : Else;

type WritableKeys<T> = {
  [K in keyof T]-?: IfEquals<{ [Q in K]: T[K] }, { -readonly [Q in K]: T[K] }, K>;
}[keyof T];

type ValueKeys<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? never : K;
}[keyof T];

/**
 * The properties a page sets on `<rerun-video>`: its own writable, non-method ones (`src`,
 * `time`, `codecHint`, ...), not `LitElement`'s or `HTMLElement`'s, and not the read-only ones
 * (`duration`, `state`, ...), which a framework could only break by assigning. Derived from
 * the class, so a property added to the element is typed in React and Vue at once.
 */
export type RerunVideoProperties = Pick<
  RerunVideo,
  Exclude<WritableKeys<RerunVideo> & ValueKeys<RerunVideo>, keyof LitElement>
>;

/** The events of `<rerun-video>` itself, by name, with their `Event` subclasses. */
export interface RerunVideoCustomEventMap {
  loadedmetadata: LoadedMetadataEvent;
  frame: FrameEvent;
  indexed: IndexedEvent;
  'unsupported-codec': UnsupportedCodecEvent;
  error: RerunVideoErrorEvent;
}
