#!/usr/bin/env bash
# The guide's Maintenance: uninstall devpi. `micromamba env remove --name devpi` becomes removing
# install.sh's venv.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

launchctl bootout "gui/$(id -u)/com.manselmi.devpi.server"
rm -r -- \
  "${HOME}/.buildout" \
  "${DEPLOY_HOME}" \
  "${HOME}/.pydistutils.cfg" \
  "${DEPLOY_PIP_CONF_DIR}/pip.conf" \
  "${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist"
# By default the venv lies in DEPLOY_HOME, removed above.
if [ -e "${DEPLOY_PREFIX}" ]; then rm -r -- "${DEPLOY_PREFIX}"; fi
