#!/usr/bin/env bash
# Makes the docs site's clips (committed; rerun only to change them): an aerial traffic camera
# over a crossroads, drawn by ffmpeg's lavfi sources alone, so nothing here comes from a real
# recording. `life` grows the foliage, drawbox the roads, roofs and parked cars, `color` + overlay
# the moving cars; then each camera crops the scene with a slow drift, adds sensor grain,
# vignetting and an on-screen clock with the frame number within the second (f00..f29), so a
# frame-exact seek can be read off the picture.
#
#   camera.mp4        CAM 1: 640x360 H.264 High, 30 fps, 6 s, B-frames, a key frame a second
#   cam-north.mp4     CAM 2 and CAM 3: 320x180 crops of the same scene on the same clock, for
#   cam-east.mp4        the sync example (a car leaving one view enters the next)
#   camera-h265.mp4   CAM 4: 384x216 H.265 at 10 fps, 3 s: Chromium and Firefox here cannot
#                       decode it, so the fallback example shows...
#   camera-h265-frames/  ...its JPEG image sequence, made by bin/rerun-video-frames.mjs
#
# Needs ffmpeg with libx264, libx265, drawtext (libfreetype + fontconfig) and the DejaVu fonts
# (Debian: ffmpeg fonts-dejavu-core). Usage: bash demo/media/make-media.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FF=(ffmpeg -hide_banner -loglevel error -y)

# The scene, 1280x720: foliage from a Game of Life board (grown 40 generations, blurred, with
# a fixed grain), two roads with kerbs, centre lines and crossings, roofs with shadows, a car park.
ROAD=0x505052 KERB=0x9a9a90 LINE=0xd8c040 SHADOW=0x202020@0.5 STRIPE=white@0.8 BAY=white@0.5
"${FF[@]}" -f lavfi \
  -i "life=s=320x180:mold=25:ratio=0.45:seed=7:life_color=#5a8a3c:death_color=#2e4a24:mold_color=#3f6a2e,format=rgb24" \
  -vf "select=eq(n\,40),scale=1280:720:flags=bicubic,gblur=sigma=3.5,noise=alls=10:allf=u,
drawbox=x=0:y=300:w=1280:h=120:c=$ROAD:t=fill,drawbox=x=560:y=0:w=120:h=720:c=$ROAD:t=fill,
drawbox=x=0:y=296:w=1280:h=4:c=$KERB:t=fill,drawbox=x=0:y=420:w=1280:h=4:c=$KERB:t=fill,
drawbox=x=556:y=0:w=4:h=720:c=$KERB:t=fill,drawbox=x=680:y=0:w=4:h=720:c=$KERB:t=fill,
drawbox=x=0:y=358:w=540:h=4:c=$LINE:t=fill,drawbox=x=700:y=358:w=580:h=4:c=$LINE:t=fill,
drawbox=x=618:y=0:w=4:h=280:c=$LINE:t=fill,drawbox=x=618:y=440:w=4:h=280:c=$LINE:t=fill,
drawbox=x=500:y=304:w=12:h=112:c=$STRIPE:t=fill,drawbox=x=520:y=304:w=12:h=112:c=$STRIPE:t=fill,
drawbox=x=708:y=304:w=12:h=112:c=$STRIPE:t=fill,drawbox=x=728:y=304:w=12:h=112:c=$STRIPE:t=fill,
drawbox=x=80:y=70:w=260:h=160:c=$SHADOW:t=fill,drawbox=x=70:y=60:w=260:h=160:c=0x8a6a5a:t=fill,
drawbox=x=70:y=138:w=260:h=4:c=0x6a4a3a:t=fill,
drawbox=x=830:y=80:w=300:h=150:c=$SHADOW:t=fill,drawbox=x=820:y=70:w=300:h=150:c=0x9aa0a8:t=fill,
drawbox=x=880:y=110:w=40:h=30:c=0x6a7078:t=fill,
drawbox=x=830:y=490:w=200:h=170:c=$SHADOW:t=fill,drawbox=x=820:y=480:w=200:h=170:c=0xb8b0a0:t=fill,
drawbox=x=120:y=480:w=340:h=180:c=0x3a3a3c:t=fill,
drawbox=x=140:y=500:w=30:h=60:c=$BAY:t=1,drawbox=x=180:y=500:w=30:h=60:c=$BAY:t=1,
drawbox=x=220:y=500:w=30:h=60:c=$BAY:t=1,drawbox=x=260:y=500:w=30:h=60:c=$BAY:t=1,
drawbox=x=300:y=500:w=30:h=60:c=$BAY:t=1,drawbox=x=140:y=590:w=30:h=60:c=$BAY:t=1,
drawbox=x=180:y=590:w=30:h=60:c=$BAY:t=1,drawbox=x=220:y=590:w=30:h=60:c=$BAY:t=1,
drawbox=x=182:y=504:w=26:h=48:c=0x2050a0:t=fill,drawbox=x=262:y=504:w=26:h=48:c=0xc0c0c0:t=fill,
drawbox=x=222:y=596:w=26:h=48:c=0x902020:t=fill" \
  -frames:v 1 "$WORK/scene.png"

# The cameras. Each car is a `color` source with its windows drawn on, moved by overlay's
# per-frame x/y expressions; every output shares the scene's timeline (t from 0).
OSD="font='DejaVu Sans Mono':fontcolor=white:box=1:boxcolor=black@0.45"
CLOCK="%{pts\:gmtime\:1764669600\:%H\\\\\:%M\\\\\:%S}"
cat >"$WORK/graph.txt" <<EOF
[0:v]format=yuv420p,trim=duration=6,setpts=PTS-STARTPTS[scene];
color=c=0xb83228:s=44x22:r=30,drawbox=x=27:y=3:w=8:h=16:c=0x1c2430:t=fill,drawbox=x=6:y=4:w=6:h=14:c=0x1c2430@0.7:t=fill[red];
color=c=0xe8e8e0:s=44x22:r=30,drawbox=x=9:y=3:w=8:h=16:c=0x1c2430:t=fill,drawbox=x=32:y=4:w=6:h=14:c=0x1c2430@0.7:t=fill[white];
color=c=0x2a5cb0:s=22x46:r=30,drawbox=x=3:y=29:w=16:h=8:c=0x1c2430:t=fill[blue];
color=c=0x303034:s=22x40:r=30,drawbox=x=3:y=6:w=16:h=8:c=0x101418:t=fill[black];
color=c=0xd8a020:s=48x24:r=30,drawbox=x=32:y=3:w=8:h=18:c=0x1c2430:t=fill[taxi];
[scene][red]overlay=x='mod(t*150+200\,1400)-80':y=372:shortest=1[s1];
[s1][white]overlay=x='1320-mod(t*120+500\,1400)':y=318[s2];
[s2][taxi]overlay=x='mod(t*95+900\,1400)-80':y=376[s3];
[s3][blue]overlay=x=583:y='mod(t*80+100\,820)-60'[s4];
[s4][black]overlay=x=635:y='760-mod(t*105+300\,820)'[s5];
[s5]noise=alls=5:allf=t,split=4[v1][v2][v3][v4];
[v1]crop=1024:576:x='128+24*sin(t*0.7)':y='72+14*sin(t*0.9+1)',scale=640:360,vignette=angle=PI/6,
 eq=saturation=0.9:contrast=1.05,
 drawtext=$OSD:fontsize=13:boxborderw=4:x=8:y=8:text='CAM 1  2026-12-02 $CLOCK f%{eif\:mod(n\,30)\:d\:2}'[cam1];
[v2]crop=640:360:x='300+10*sin(t*0.5)':y=0,scale=320:180,vignette=angle=PI/5,eq=saturation=0.8:gamma=1.1,
 drawtext=$OSD:fontsize=10:boxborderw=3:x=6:y=6:text='CAM 2 NORTH  $CLOCK f%{eif\:mod(n\,30)\:d\:2}'[cam2];
[v3]crop=640:360:x=640:y='300+8*sin(t*0.6)',scale=320:180,vignette=angle=PI/5,eq=saturation=0.85:gamma=0.95,
 drawtext=$OSD:fontsize=10:boxborderw=3:x=6:y=6:text='CAM 3 EAST  $CLOCK f%{eif\:mod(n\,30)\:d\:2}'[cam3];
[v4]fps=10,trim=duration=3,crop=1024:576:x='128+24*sin(t*0.7)':y='72+14*sin(t*0.9+1)',scale=384:216,
 vignette=angle=PI/6,
 drawtext=$OSD:fontsize=10:boxborderw=3:x=6:y=6:text='CAM 4 H.265  $CLOCK f%{eif\:mod(n\,10)\:d\:2}'[cam4]
EOF
H264=(-c:v libx264 -preset slow -crf 28 -g 30 -bf 2 -pix_fmt yuv420p -movflags +faststart -an -map_metadata -1)
"${FF[@]}" -loop 1 -framerate 30 -t 6 -i "$WORK/scene.png" -filter_complex_script "$WORK/graph.txt" \
  -map '[cam1]' "${H264[@]}" -t 6 "$WORK/camera.mp4" \
  -map '[cam2]' "${H264[@]}" -t 6 "$WORK/cam-north.mp4" \
  -map '[cam3]' "${H264[@]}" -t 6 "$WORK/cam-east.mp4" \
  -map '[cam4]' -c:v libx265 -preset medium -crf 30 -g 10 -tag:v hvc1 -pix_fmt yuv420p \
  -x265-params log-level=error -movflags +faststart -an -map_metadata -1 -t 3 "$WORK/camera-h265.mp4"

node "$ROOT/bin/rerun-video-frames.mjs" "$WORK/camera-h265.mp4" "$WORK/camera-h265-frames" --quality 55

rm -rf "$HERE/camera-h265-frames"
cp "$WORK"/*.mp4 "$HERE"/
cp -r "$WORK/camera-h265-frames" "$HERE"/
du -ch "$HERE"/*.mp4 "$HERE/camera-h265-frames" | sed 's/^/  /'
