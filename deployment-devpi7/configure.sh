#!/usr/bin/env bash
# The guide's configuration commands, run against the running service.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"
export PATH="${DEPLOY_PREFIX}/bin:${PATH}"

unset DEVPI_INDEX
devpi use --always-set-cfg no "${DEPLOY_URL}"  # this might complain; no worries
devpi login --password "${DEPLOY_ROOT_PASSWORD}" root
# devpi 7: devpi-server 7.0.0 CHANGELOG: "Renamed the ``mirror`` index to ``remote``. This affects the ``type``
# field of the HTTP API and the "mirror_*" index options." (mirror_url, mirror_use_external_urls, type=mirror;
# 7.0.0b4 answers an index option it does not know with 500 Internal Server Error, a type with 400).
devpi index pypi remote_use_external_urls=True ${DEPLOY_PYPI_URL:+"remote_url=${DEPLOY_PYPI_URL}"}  # don't cache PyPI packages
devpi index -c python-local \
  remote_url="${DEPLOY_ARTIFACTORY_URL}" \
  title='Intranet: python-local' \
  type=remote \
  volatile=False
devpi index -c local \
  bases='root/python-local,root/pypi' \
  title='Local: personal index'
devpi use --venv - root/local
