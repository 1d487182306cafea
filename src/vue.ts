// `rerun-video/vue`: defines the element and types <rerun-video> in Vue templates (vue-tsc,
// Volar), the way Vue's guide types custom elements for Vue 3.5
// (vuejs.org/guide/extras/web-components, "Web Components and TypeScript"): a
// GlobalComponents entry whose `$props` are the element's settable properties and whose
// `$emit` are its events, so `:time="'x'"` is an error and `@frame="(e) => ..."` knows `e`.
import './rerun-video.js';
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { RerunVideoCustomEventMap, RerunVideoProperties } from './framework-types.js';
import type { RerunVideo } from './rerun-video.js';

export type { RerunVideoCustomEventMap, RerunVideoProperties } from './framework-types.js';

type VueEmit<T> = EmitFn<{ [K in keyof T]: (event: T[K]) => void }>;

/**
 * `<rerun-video>` as vue-tsc sees it. Vue reads template props from `$props` and events from
 * `$emit`; HTML's own `onError`/`onLoadedmetadata` (plain `Event`) give way to the element's.
 */
export type RerunVideoVueComponent = new () => RerunVideo & {
  /** @deprecated For template type checking only; not a property of the element. */
  $props: Omit<HTMLAttributes, 'onError' | 'onLoadedmetadata'> & Partial<RerunVideoProperties> & PublicProps;
  /** @deprecated For template type checking only; not a property of the element. */
  $emit: VueEmit<RerunVideoCustomEventMap>;
};

declare module 'vue' {
  interface GlobalComponents {
    'rerun-video': RerunVideoVueComponent;
  }
}
