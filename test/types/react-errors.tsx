// Deliberate mistakes: scripts/check-types.mjs asserts that tsc reports exactly the error
// named in each `// expect` comment, on the line below it, and nothing else.
import { useRef, type SyntheticEvent } from 'react';
import { RerunVideo } from 'rerun-video/react';

// expect TS2322: a string is not a number
export const a = <RerunVideo time="1" />;
// expect TS2322
export const b = <RerunVideo src={5} />;
// expect TS2322: not one of contain | cover | fill
export const c = <RerunVideo fit="stretch" />;
// expect TS2322: read-only properties are not props
export const d = <RerunVideo duration={3} />;
// expect TS2322: nor are methods
export const e = <RerunVideo seek={() => Promise.reject()} />;
// expect TS2339: FrameDetail has no `nope`
export const f = <RerunVideo onFrame={(ev) => ev.detail.nope} />;
// expect TS2367: not an error code
export const g = <RerunVideo onError={(ev) => ev.detail.code === 'timeout'} />;
// expect TS2322: handlers get the element's events, not React's synthetic ones
export const h = <RerunVideo onLoadedMetadata={(ev: SyntheticEvent) => ev} />;
// expect TS2322
export const i = <rerun-video time="1" />;
// expect TS2322
export const j = <rerun-video codec-hint={264} />;
// expect TS2339
export const k = <rerun-video onframe={(ev) => ev.detail.nope} />;
// expect TS2322: no such attribute or property
export const l = <rerun-video codec="avc1" />;

export function WrongRef() {
  const ref = useRef<HTMLVideoElement>(null);
  // expect TS2322: the ref is a <rerun-video>, not a <video>
  return <RerunVideo ref={ref} />;
}
