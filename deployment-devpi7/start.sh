#!/usr/bin/env bash
# The guide's Maintenance (and Installation): start the devpi service by loading its launchd plist.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

launchctl bootstrap "gui/$(id -u)/" "${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist"
