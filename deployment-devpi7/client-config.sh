#!/usr/bin/env bash
# The guide's pip, distutils and buildout configuration, pointing at root/local.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

mkdir -p -- "${DEPLOY_PIP_CONF_DIR}"
cat > "${DEPLOY_PIP_CONF_DIR}/pip.conf" << CONF
[global]
index-url = http://localhost:${DEPLOY_PORT}/root/local/+simple/
trusted-host = localhost
[search]
index = http://localhost:${DEPLOY_PORT}/root/local/
CONF

cat > "${HOME}/.pydistutils.cfg" << CONF
[easy_install]
index_url = http://localhost:${DEPLOY_PORT}/root/local/+simple/
CONF

mkdir -p -- "${HOME}/.buildout"
cat > "${HOME}/.buildout/default.cfg" << CONF
[buildout]
index = http://localhost:${DEPLOY_PORT}/root/local/+simple/
CONF
