#!/usr/bin/env bash
# The guide's Maintenance: stop the devpi service.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

launchctl bootout "gui/$(id -u)/com.manselmi.devpi.server"
