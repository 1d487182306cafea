#!/usr/bin/env bash
# Makes sure the browsers and tools the browser tests need are installed (Debian packages).
# Installs the missing ones when running as root on Debian (apt-get available);
# otherwise prints which Debian packages to install and exits 1.
set -euo pipefail

# required path -> Debian package providing it
declare -A NEED=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/firefox-esr]=firefox-esr
  [/usr/bin/WebKitWebDriver]=webkit2gtk-driver
  [/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser]=webkit2gtk-driver
  [xvfb-run]=xvfb
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  # GStreamer plugins WebKitGTK needs for MP4/H.264 (<video> and WebCodecs):
  # qtdemux, h264parse, avdec_h264 (recommended, not required, by libwebkit2gtk)
  [/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstisomp4.so]=gstreamer1.0-plugins-good
  [/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstvideoparsersbad.so]=gstreamer1.0-plugins-bad
  [/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstlibav.so]=gstreamer1.0-libav
)

missing_pkgs() {
  local p pkgs=()
  for p in "${!NEED[@]}"; do
    if [[ $p == /* ]]; then [[ -e $p ]] && continue
    else command -v "$p" >/dev/null 2>&1 && continue
    fi
    echo "ensure-browsers: missing $p (Debian package ${NEED[$p]})" >&2
    pkgs+=("${NEED[$p]}")
  done
  ((${#pkgs[@]})) && printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' '
  return 0
}

pkgs=$(missing_pkgs)
[[ -z $pkgs ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browsers: installing chromium firefox-esr webkit2gtk-driver xvfb ffmpeg (+ GStreamer plugins)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium firefox-esr webkit2gtk-driver xvfb ffmpeg \
    gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  pkgs=$(missing_pkgs)
  if [[ -n $pkgs ]]; then
    echo "ensure-browsers: still missing after apt-get install: $pkgs" >&2
    exit 1
  fi
  exit 0
fi

echo "ensure-browsers: install these Debian packages (as root):" >&2
echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $pkgs" >&2
exit 1
