#!/usr/bin/env bash
# The guide's "create an isolated environment" step, with a venv instead of micromamba.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

python3 -m venv -- "${DEPLOY_PREFIX}"
"${DEPLOY_PREFIX}/bin/python" -m pip install --quiet --disable-pip-version-check -- \
  "devpi-server${DEPLOY_DEVPI_SERVER_VERSION:+==}${DEPLOY_DEVPI_SERVER_VERSION:->=7.0.0b4}" devpi-client
# devpi 7: the newest release is still 6.x while 7.0 is in beta, and pip (like micromamba) takes a
# pre-release only when asked for one: without a version, at least 7.0.0b4 (the scripts above speak 7 only;
# devpi-server 7.0.0 CHANGELOG: "Require at least Python 3.11." python3 must be 3.11+).
