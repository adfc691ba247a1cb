#!/usr/bin/env bash
# Sets up and builds Staylab, then runs its main job: a short staylab-cli demo
# on a fresh data directory.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo_root/scripts/setup.sh"
exec "$repo_root/scripts/demo.sh"
