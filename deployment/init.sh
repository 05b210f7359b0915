#!/usr/bin/env bash
# The guide's devpi-init call, with its arguments.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

mkdir -p -- "${DEPLOY_HOME}"
"${DEPLOY_PREFIX}/bin/devpi-init" \
  --role standalone \
  --root-passwd "${DEPLOY_ROOT_PASSWORD}" \
  --serverdir "${DEPLOY_SERVERDIR}" \
  --storage sqlite
