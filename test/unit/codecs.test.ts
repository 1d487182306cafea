import { expect } from '@open-wc/testing';
import { checkSupport, codecForHint, effectiveCodec, isFullCodecString } from '../../src/codecs.js';
import { canDecode } from '../helpers/media.js';

describe('codecs', () => {
  it('maps short hints to representative codec strings, case-insensitively', () => {
    expect(codecForHint('h264')).to.equal('avc1.42E01E');
    expect(codecForHint('H265')).to.equal('hvc1.1.6.L93.B0');
    expect(codecForHint('hevc')).to.equal('hvc1.1.6.L93.B0');
    expect(codecForHint('av1')).to.equal('av01.0.04M.08');
    expect(codecForHint('vp9')).to.equal('vp09.00.10.08');
    expect(codecForHint('vp8')).to.equal('vp8');
  });

  it('takes a full codec string as it is, and nothing for an empty hint', () => {
    expect(codecForHint('avc1.640028')).to.equal('avc1.640028');
    expect(codecForHint(' hvc1.2.4.L153.B0 ')).to.equal('hvc1.2.4.L153.B0');
    expect(codecForHint('')).to.equal(null);
    expect(codecForHint('  ')).to.equal(null);
    expect(codecForHint(null)).to.equal(null);
  });

  it('uses the hint only when the file does not name its codec fully', () => {
    expect(isFullCodecString('avc1.64001f')).to.equal(true);
    expect(isFullCodecString('vp8')).to.equal(true);
    expect(isFullCodecString('avc1')).to.equal(false);
    expect(effectiveCodec('avc1.64001f', 'avc1.42E01E')).to.equal('avc1.64001f');
    expect(effectiveCodec('avc1', 'avc1.640028')).to.equal('avc1.640028');
    expect(effectiveCodec('hev1', 'h265')).to.equal('hvc1.1.6.L93.B0');
    expect(effectiveCodec('', 'av1')).to.equal('av01.0.04M.08');
    // A hint of another family does not override what the file says.
    expect(effectiveCodec('avc1', 'vp9')).to.equal('avc1');
    expect(effectiveCodec('avc1', null)).to.equal('avc1');
  });

  it('checkSupport agrees with isConfigSupported for every hint', async () => {
    for (const hint of ['h264', 'h265', 'av1', 'vp9', 'vp8']) {
      const codec = codecForHint(hint)!;
      const expected = await canDecode(codec);
      const result = await checkSupport(codec);
      expect(result.supported, hint).to.equal(expected);
      expect(result.reason, hint).to.equal(expected ? undefined : 'config');
    }
  });

  it('checkSupport says config for nonsense and no-webcodecs without VideoDecoder', async () => {
    expect(await checkSupport('definitely-not-a-codec')).to.deep.equal({ supported: false, reason: 'config' });
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'VideoDecoder')!;
    delete (globalThis as { VideoDecoder?: unknown }).VideoDecoder;
    try {
      expect(await checkSupport('avc1.42E01E')).to.deep.equal({ supported: false, reason: 'no-webcodecs' });
    } finally {
      Object.defineProperty(globalThis, 'VideoDecoder', saved);
    }
    expect((await checkSupport('avc1.42E01E')).supported).to.equal(true);
  });
});
