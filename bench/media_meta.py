#!/usr/bin/env python3
"""make-media.sh helper: verify every frame's code and write the JSON sidecar.

  media_meta.py FILE.mp4|FILE.webm EXPECTED_FRAMES OUT.json

Decodes FILE with ffmpeg (presentation order, no rate conversion), shrinks the code band
(top 1/6) to 16x1 grey pixels -- one per cell -- and checks frame i reads i (modulo 65536:
the code has 16 bits, so in the hour-long file frame 65536 reads 0 again). The sidecar holds
what the benchmark needs and ffprobe knows without decoding: size, codec, timestamps (s, as
ffmpeg presents them: edit list applied), keyframe indices (presentation order).
"""
import json
import subprocess
import sys


def run(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout


def main():
    path, expected, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    raw = run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-fps_mode", "passthrough",
               "-vf", "crop=iw:ih/6:0:0,scale=16:1:flags=area,format=gray",
               "-f", "rawvideo", "-"])
    codes = [sum(1 << i for i in range(16) if raw[f * 16 + i] > 128) for f in range(len(raw) // 16)]
    bad = [(i, c) for i, c in enumerate(codes) if c != i % 65536]
    if len(codes) != expected or bad:
        sys.exit(f"media_meta: {path}: {len(codes)} frames (want {expected}), wrong codes (index, code): {bad[:10]}")
    margin = min(abs(b - 128) for b in raw)
    stream = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                             "stream=codec_name,profile,width,height,has_b_frames", "-of", "json", path]))["streams"][0]
    packets = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                              "packet=pts_time,flags", "-of", "json", path]))["packets"]
    frames = sorted((float(p["pts_time"]), "K" in p["flags"]) for p in packets)
    meta = {
        "file": path.rsplit("/", 1)[-1].replace(".tmp.", "."),
        "codec": stream["codec_name"], "profile": stream.get("profile"),
        "width": stream["width"], "height": stream["height"], "hasBFrames": stream.get("has_b_frames", 0) > 0,
        "frameCount": len(frames),
        "keyframes": [i for i, (_, k) in enumerate(frames) if k],
        "timestamps": [round(t, 6) for t, _ in frames],
        "codeMargin": margin,
    }
    with open(out, "w") as f:
        json.dump(meta, f)
    keys = meta["keyframes"]
    shown = keys if len(keys) <= 12 else f"{keys[:6]}... ({len(keys)})"
    print(f"  ok  {meta['file']}: {len(codes)} frames coded 0..{len(codes) - 1}{' mod 65536' if len(codes) > 65536 else ''}, "
          f"keyframes {shown}, band margin {margin}")


main()
