#!/usr/bin/env bash
# The guide's Maintenance: upgrade devpi. `micromamba update --name devpi --all` becomes a reinstall
# into the same prefix (install.sh's venv), of DEPLOY_DEVPI_SERVER_VERSION or else the newest.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

launchctl bootout "gui/$(id -u)/com.manselmi.devpi.server"
# devpi 7: devpi-server 7.0.0 CHANGELOG: "This change requires an export of your data using ``devpi-export`` with
# the previous major devpi-server version 6.x and an import using ``devpi-import`` with devpi-server 7.x." So the
# export runs before the update, with the devpi-server the environment still holds; `devpi-export --help`:
# "--include-mirrored-files  include downloaded files from mirror indexes in dump" (without it the intranet's
# cached files are gone). Between 7.x versions the same export and import is sound, only slower.
upgrade_stamp="$(date +%Y%m%d%H%M%S)"
"${DEPLOY_PREFIX}/bin/devpi-export" --serverdir "${DEPLOY_SERVERDIR}" --include-mirrored-files \
  "${DEPLOY_HOME}/export-${upgrade_stamp}"
"${DEPLOY_PREFIX}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade -- \
  "devpi-server${DEPLOY_DEVPI_SERVER_VERSION:+==}${DEPLOY_DEVPI_SERVER_VERSION:->=7.0.0b4}" devpi-client
# devpi 7: as in install.sh, the newest release is still 6.x while 7.0 is in beta (devpi-server 7.0.0 CHANGELOG:
# "Require at least Python 3.11."). The import needs a server directory of its own: the old one stays beside, as
# it was, for going back to 6; `--storage sqla_lite` as init.sh's (CHANGELOG: "Replaced the default storage backend
# with a new one using SQLAlchemy").
mv -- "${DEPLOY_SERVERDIR}" "${DEPLOY_SERVERDIR}.before-upgrade-${upgrade_stamp}"
"${DEPLOY_PREFIX}/bin/devpi-import" --serverdir "${DEPLOY_SERVERDIR}" --storage sqla_lite \
  "${DEPLOY_HOME}/export-${upgrade_stamp}"
launchctl bootstrap "gui/$(id -u)/" "${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist"
