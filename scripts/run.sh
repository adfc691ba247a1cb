#!/usr/bin/env bash
# Sets up and builds Staylab, then runs its main job: the desktop app when a
# display is available ($DISPLAY or $WAYLAND_DISPLAY), otherwise a short
# staylab-cli demo on a fresh data directory.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo_root/scripts/setup.sh"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "${STAYLAB_BUILD_DIR:-$repo_root/build}/app/staylab" "$@"
fi
exec "$repo_root/scripts/demo.sh"
