#!/usr/bin/env bash
# Generate the benchmark videos into bench/media/ (git-ignored).
#
#   bench/make-media.sh            # make what is missing (idempotent: existing files are kept)
#   bench/make-media.sh --force    # remake everything
#   bench/make-media.sh NAME...    # only these (names below, without .mp4 / .webm)
#   bench/make-media.sh long-10s long-1h   # the long-recording pair: only made when named
#   bench/make-media.sh h264-720p-5s       # the sync-group file of the playback section
#
# Every frame carries its presentation index as the frame code of the test fixtures
# (test/fixtures/make-fixtures.sh, read by test/helpers/frame-code.ts): a band over the top
# 1/6 of the picture, 16 cells of width/16, cell i = bit i of the index (cell 0 = LSB),
# white = 1, black = 0, neutral chroma. The band is drawn as a 16x1 grey picture whose pixel
# X is bit X of the frame counter N, scaled up with nearest-neighbour to W x H/6 and laid
# over the content -- much cheaper than geq over a whole 4K picture. The code has 16 bits: in
# the hour-long file (108000 frames) it wraps, frame 65536 reads 0 again.
#
# webm-* files are WebM (Matroska) files made from the same frames; the rest are MP4.
#
# Each file gets a sidecar NAME.json: frame count, keyframe indices, ffprobe timestamps.
# Every frame's code is verified after encoding (decoded by ffmpeg, band scaled to 16x1).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/media"
mkdir -p "$OUT"

FORCE=0
ONLY=()
for a in "$@"; do
  if [[ $a == --force ]]; then FORCE=1; else ONLY+=("$a"); fi
done

for tool in ffmpeg ffprobe python3; do
  command -v "$tool" >/dev/null || { echo "make-media: $tool not found" >&2; exit 1; }
done

FF=(ffmpeg -hide_banner -nostdin -loglevel error -y)
MUX=(-fflags +bitexact -map_metadata -1 -an -movflags +faststart)
# WebM as FFmpeg writes it by default: SeekHead, Duration, known sizes, Cues at the end.
MUX_WEBM=(-fflags +bitexact -map_metadata -1 -an -f webm)

FONT=""
for f in /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf; do
  [[ -f "$f" ]] && { FONT="$f"; break; }
done

# filter graph: content W x H @30 + band + optional visible number; $1=W $2=H $3=frames
graph() {
  local w=$1 h=$2 n=$3 text=""
  if [[ -n "$FONT" ]]; then
    text=",drawtext=fontfile=$FONT:text='%{eif\\:n\\:d}':fontsize=$((h / 6)):fontcolor=white:borderw=6:bordercolor=black:x=(w-text_w)/2:y=h/6+(h*5/6-text_h)/2"
  fi
  printf '%s' "testsrc2=s=${w}x${h}:r=30,format=yuv420p${text}[bg];"
  printf '%s' "color=c=black:s=16x1:r=30,format=gray,geq=lum='255*mod(floor(N/pow(2,X)),2)',"
  printf '%s' "scale=${w}:$((h / 6)):flags=neighbor,format=yuv420p[band];"
  printf '%s' "[bg][band]overlay=0:0:shortest=1,trim=end_frame=${n}[v]"
}

# name  width height frames  encoder args...
encode() {
  local name=$1 w=$2 h=$3 n=$4
  shift 4
  local ext=mp4 mux=("${MUX[@]}")
  if [[ $name == webm-* ]]; then ext=webm; mux=("${MUX_WEBM[@]}"); fi
  local file="$OUT/$name.$ext"
  if [[ ${#ONLY[@]} -gt 0 && ! " ${ONLY[*]} " == *" $name "* ]]; then return 0; fi
  if [[ $FORCE == 0 && -s "$file" && -s "$OUT/$name.json" ]]; then
    echo "make-media: $name.$ext exists, skipped"
    return 0
  fi
  local t0=$SECONDS
  rm -f "$file" "$OUT/$name.json"
  "${FF[@]}" -filter_complex "$(graph "$w" "$h" "$n")" -map '[v]' -frames:v "$n" "$@" "${mux[@]}" "$OUT/$name.tmp.$ext" \
    2> >(grep -v '^Svt\[' >&2)
  python3 "$HERE/media_meta.py" "$OUT/$name.tmp.$ext" "$n" "$OUT/$name.json"
  mv "$OUT/$name.tmp.$ext" "$file"
  echo "make-media: $name.$ext ($(stat -c %s "$file") bytes) in $((SECONDS - t0)) s"
}

START=$SECONDS
X264=(-c:v libx264 -threads 2 -pix_fmt yuv420p -profile:v high -crf 23 -sc_threshold 0)

encode h264-1080p-gop60 1920 1080 300 "${X264[@]}" -preset veryfast -bf 3 -g 60 -keyint_min 60
encode h264-1080p-gop250 1920 1080 300 "${X264[@]}" -preset veryfast -bf 3 -g 250 -keyint_min 250
encode h264-4k 3840 2160 120 "${X264[@]}" -preset veryfast -bf 3 -g 60 -keyint_min 60
encode av1-720p 1280 720 300 -c:v libsvtav1 -pix_fmt yuv420p -preset 10 -crf 40 -g 60 \
  -svtav1-params "irefresh-type=2:lp=2"
encode vp9-720p 1280 720 300 -c:v libvpx-vp9 -pix_fmt yuv420p -crf 36 -b:v 0 -g 60 -keyint_min 60 \
  -deadline realtime -cpu-used 8 -row-mt 1 -threads 2
# The same VP9 stream settings in WebM (issue 12): what the element's own EBML reader feeds the decoder.
encode webm-vp9-720p 1280 720 300 -c:v libvpx-vp9 -pix_fmt yuv420p -crf 36 -b:v 0 -g 60 -keyint_min 60 \
  -deadline realtime -cpu-used 8 -row-mt 1 -threads 2

# The playback section (bench/run.mjs --playback) plays h264-1080p-gop60 (10 s, forwards and
# backwards) and h264-4k (4 s) above, and four of this one in a sync group: 5 s of 720p30.
encode h264-720p-5s 1280 720 150 "${X264[@]}" -preset veryfast -bf 3 -g 60 -keyint_min 60

# The long-recording scenario (bench/run.mjs --long): one hour and ten seconds with the same
# settings, so that whatever differs between them is the length. Low resolution and a high CRF
# keep the hour near 100 MB; made only when asked for by name (see the header).
LONG=(-c:v libx264 -threads 2 -pix_fmt yuv420p -profile:v high -preset veryfast -crf 30 -sc_threshold 0 -bf 2 -g 60 -keyint_min 60)
if [[ " ${ONLY[*]} " == *" long-1h "* || " ${ONLY[*]} " == *" long-10s "* ]]; then
  encode long-10s 320 180 300 "${LONG[@]}"
  encode long-1h 320 180 108000 "${LONG[@]}"
fi

echo "make-media: done in $((SECONDS - START)) s ($OUT)"
