#!/usr/bin/env bash
# The guide's configuration commands, run against the running service.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"
export PATH="${DEPLOY_PREFIX}/bin:${PATH}"

unset DEVPI_INDEX
devpi use --always-set-cfg no "${DEPLOY_URL}"  # this might complain; no worries
devpi login --password "${DEPLOY_ROOT_PASSWORD}" root
devpi index pypi mirror_use_external_urls=True ${DEPLOY_PYPI_URL:+"mirror_url=${DEPLOY_PYPI_URL}"}  # don't cache PyPI packages
devpi index -c python-local \
  mirror_url="${DEPLOY_ARTIFACTORY_URL}" \
  title='Intranet: python-local' \
  type=mirror \
  volatile=False
devpi index -c local \
  bases='root/python-local,root/pypi' \
  title='Local: personal index'
devpi use --venv - root/local
