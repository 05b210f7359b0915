#!/usr/bin/env bash
# The guide's devpi-init call, with its arguments.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

mkdir -p -- "${DEPLOY_HOME}"
"${DEPLOY_PREFIX}/bin/devpi-init" \
  --role standalone \
  --root-passwd "${DEPLOY_ROOT_PASSWORD}" \
  --serverdir "${DEPLOY_SERVERDIR}" \
  --storage sqla_lite
# devpi 7: devpi-server 7.0.0 CHANGELOG: "Replaced the default storage backend with a new one using SQLAlchemy
# and optimized database schema for size and performance." `devpi-init --help` of 7.0.0b4: "sqla_lite": SQLite
# backend using SQLAlchemy with files on the filesystem (6's "sqlite": SQLite backend with files on the
# filesystem); `--storage sqlite` fails: "The backend 'sqlite' can't be found, is the plugin not installed?"
