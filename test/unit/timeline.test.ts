import { expect } from '@open-wc/testing';
import { buildTimeline } from '../../src/mp4/timeline.js';
import { orientationOf, webCodecsCodec } from '../../src/mp4/video-track.js';

const fixed = (n: number) => n * 65536;

describe('buildTimeline', () => {
  it('uses composition times when there is no edit list', () => {
    const { pts, presented } = buildTimeline({ cts: [0, 3000, 1000, 2000], timescale: 1000, movieTimescale: 1000 });
    expect([...pts]).to.deep.equal([0, 3, 1, 2]);
    expect([...presented]).to.deep.equal([1, 1, 1, 1]);
  });

  it('shifts by media_time so the first frame of a B-frame file lands at 0', () => {
    // ffmpeg's H.264 with B-frames: cts starts at 2 frames, the edit starts there.
    const { pts } = buildTimeline({
      cts: [1024, 3072, 2048],
      timescale: 15360,
      movieTimescale: 1000,
      edits: [{ segment_duration: 3000, media_time: 1024 }],
    });
    expect(pts[0]).to.equal(0);
    expect(pts[2]).to.be.closeTo(1024 / 15360, 1e-12);
  });

  it('hides samples before media_time and past the segment', () => {
    const { pts, presented } = buildTimeline({
      cts: [0, 20, 40, 60, 80],
      timescale: 600,
      movieTimescale: 600,
      edits: [{ segment_duration: 40, media_time: 20 }],
    });
    expect([...presented]).to.deep.equal([0, 1, 1, 0, 0]);
    expect(pts[1]).to.equal(0);
  });

  it('delays by leading empty edits', () => {
    const { pts, presented } = buildTimeline({
      cts: [0, 1000],
      timescale: 1000,
      movieTimescale: 600,
      edits: [
        { segment_duration: 300, media_time: -1 },
        { segment_duration: 0, media_time: 0 },
      ],
    });
    expect([...pts]).to.deep.equal([0.5, 1.5]);
    expect([...presented]).to.deep.equal([1, 1]);
  });

  it('puts a delayed frame exactly at its time (one rounding, not two)', () => {
    // 0.5 + 0.203 is 0.7030000000000001 in doubles: the time 0.703 would show the frame before.
    const { pts } = buildTimeline({
      cts: [0, 203],
      timescale: 1000,
      movieTimescale: 1000,
      edits: [
        { segment_duration: 500, media_time: -1 },
        { segment_duration: 0, media_time: 0 },
      ],
    });
    expect(pts[1]).to.equal(0.703);
  });

  it('moves the track back when the edit starts inside a frame, as FFmpeg does', () => {
    // ios_hevc_main10_editlist_trimmed.mov: frames every 20/600 s, media_time 273 falls in
    // the frame at 260. ffprobe drops that frame and puts the one at 280 at 0, not at 7/600.
    const { pts, presented } = buildTimeline({
      cts: [0, 260, 280, 300],
      timescale: 600,
      movieTimescale: 600,
      edits: [{ segment_duration: 1529, media_time: 273 }],
    });
    expect([...presented]).to.deep.equal([0, 0, 1, 1]);
    expect(pts[2]).to.equal(0);
    expect(pts[3]).to.be.closeTo(20 / 600, 1e-12);
  });

  it('keeps the stream times of fragments, applying only the empty edit', () => {
    // hls_fmp4_muxed_av_720p60.mp4: elst [[900,-1],[0,0]], first tfdt at 29.029 s; ffprobe
    // and <video> put its first frame at 29.929 s.
    const { pts } = buildTimeline({
      cts: [1741740, 1742741],
      timescale: 60000,
      movieTimescale: 1000,
      edits: [
        { segment_duration: 900, media_time: -1 },
        { segment_duration: 0, media_time: 0 },
      ],
      fragmented: true,
    });
    expect(pts[0]).to.be.closeTo(29.929, 1e-9);
  });

  it('shows every frame rather than none when an edit list hides them all', () => {
    const { presented } = buildTimeline({
      cts: [0, 10],
      timescale: 10,
      movieTimescale: 10,
      edits: [{ segment_duration: 5, media_time: 500 }],
    });
    expect([...presented]).to.deep.equal([1, 1]);
  });
});

describe('orientationOf', () => {
  const m = (a: number, b: number, c: number, d: number) => [fixed(a), fixed(b), 0, fixed(c), fixed(d), 0, 0, 0, 1 << 30];
  it('reads quarter turns from a tkhd matrix', () => {
    expect(orientationOf(m(1, 0, 0, 1))).to.deep.equal({ a: 1, b: 0, c: 0, d: 1 });
    expect(orientationOf(m(0, 1, -1, 0))).to.deep.equal({ a: 0, b: 1, c: -1, d: 0 });
    expect(orientationOf(m(-1, 0, 0, -1))).to.deep.equal({ a: -1, b: 0, c: 0, d: -1 });
    expect(orientationOf(m(0, -1, 1, 0))).to.deep.equal({ a: 0, b: -1, c: 1, d: 0 });
    expect(orientationOf(undefined)).to.deep.equal({ a: 1, b: 0, c: 0, d: 1 });
  });

  it('keeps flips: a mirror, and a mirror with a quarter turn', () => {
    expect(orientationOf(m(-1, 0, 0, 1))).to.deep.equal({ a: -1, b: 0, c: 0, d: 1 });
    expect(orientationOf(m(1, 0, 0, -1))).to.deep.equal({ a: 1, b: 0, c: 0, d: -1 });
    expect(orientationOf(m(0, 1, 1, 0))).to.deep.equal({ a: 0, b: 1, c: 1, d: 0 });
  });

  it('shows a degenerate matrix as it is', () => {
    expect(orientationOf(m(0, 0, 0, 0))).to.deep.equal({ a: 1, b: 0, c: 0, d: 1 });
  });
});

describe('webCodecsCodec', () => {
  it('maps VP8 in MP4 to the WebCodecs name and leaves others alone', () => {
    expect(webCodecsCodec('vp08.00.10.08')).to.equal('vp8');
    expect(webCodecsCodec('avc1.64001f')).to.equal('avc1.64001f');
  });
});
