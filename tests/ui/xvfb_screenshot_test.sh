#!/usr/bin/env bash
# Runs the desktop app under Xvfb on the booking store outage, grabs the
# window at 30 s (before the outage) and 75 s (in its middle), and checks
# that each screenshot is about 1280x800 and not blank.
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

for shot in "$out/shot-1.png" "$out/shot-2.png"; do
  [ -f "$shot" ] || { echo "missing $shot" >&2; exit 1; }
done
shots=("$out"/shot-*.png)
screens=()
for screen in "$out"/screen-*.png; do
  [ -f "$screen" ] && screens+=("$screen")
done
QT_QPA_PLATFORM=offscreen "$checker" "${shots[@]}" "${screens[@]}"
echo "screenshots in $out"
