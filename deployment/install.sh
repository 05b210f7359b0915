#!/usr/bin/env bash
# The guide's "create an isolated environment" step, with a venv instead of micromamba.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

python3 -m venv -- "${DEPLOY_PREFIX}"
"${DEPLOY_PREFIX}/bin/python" -m pip install --quiet --disable-pip-version-check -- \
  "devpi-server${DEPLOY_DEVPI_SERVER_VERSION:+==${DEPLOY_DEVPI_SERVER_VERSION}}" devpi-client
