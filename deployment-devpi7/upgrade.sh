#!/usr/bin/env bash
# The guide's Maintenance: upgrade devpi. `micromamba update --name devpi --all` becomes a reinstall
# into the same prefix (install.sh's venv), of DEPLOY_DEVPI_SERVER_VERSION or else the newest.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

launchctl bootout "gui/$(id -u)/com.manselmi.devpi.server"
"${DEPLOY_PREFIX}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade -- \
  "devpi-server${DEPLOY_DEVPI_SERVER_VERSION:+==${DEPLOY_DEVPI_SERVER_VERSION}}" devpi-client
launchctl bootstrap "gui/$(id -u)/" "${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist"
