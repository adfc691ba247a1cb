#!/usr/bin/env bash
# Runs the desktop app under Xvfb on the booking store outage (booking-db down
# from 60 s to 90 s) and has it save, at 30 s (before the outage) and at 75 s
# (in its middle), both its own rendering of the window (shot-N.png) and the
# X server's screen (screen-N.png). Checks all four with png_check: at 30 s
# no component is drawn "down" red; at 75 s one is, and the charts shade the
# fault window. Then checks that png_check tells the two moments apart: the
# 30 s screenshots must fail when asked for the outage.
#   xvfb_screenshot_test.sh STAYLAB PNG_CHECK SCENARIO OUT_DIR
set -euo pipefail
staylab=$1
checker=$2
scenario=$3
out=$4

rm -rf "$out"
mkdir -p "$out"
config=$(mktemp -d "${TMPDIR:-/tmp}/staylab-xvfb-XXXXXX")
trap 'rm -rf "$config"' EXIT
export XDG_CONFIG_HOME=$config  # No saved layout: the default one.
unset QT_QPA_PLATFORM

timeout 600 xvfb-run -a -s "-screen 0 1280x800x24" \
  "$staylab" "$scenario" --run --speed max \
  --screenshot-dir "$out" --screenshot-at 30s,75s --quit-after-screenshots

# The screen grabs exist only when the app really ran on the X server.
for shot in shot-1 shot-2 screen-1 screen-2; do
  [ -f "$out/$shot.png" ] || { echo "missing $out/$shot.png" >&2; exit 1; }
done

export QT_QPA_PLATFORM=offscreen
status=0
echo "--- 30 s, before the outage"
"$checker" --expect-none down-red "$out/shot-1.png" "$out/screen-1.png" || status=1
echo "--- 75 s, booking-db down"
"$checker" --expect down-red --expect fault-band "$out/shot-2.png" "$out/screen-2.png" || status=1
echo "--- 30 s asked for the outage (must fail)"
for shot in shot-1 screen-1; do
  if "$checker" --expect down-red "$out/$shot.png"; then
    echo "png_check found the outage in $shot.png: it cannot tell 30 s from 75 s" >&2
    status=1
  fi
done
echo "screenshots in $out"
exit $status
