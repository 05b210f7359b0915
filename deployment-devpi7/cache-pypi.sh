#!/usr/bin/env bash
# The guide's note: cache all packages, PyPI's included.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"
export PATH="${DEPLOY_PREFIX}/bin:${PATH}"

# devpi 7: devpi-server 7.0.0 CHANGELOG: "Renamed the ``mirror`` index to ``remote``. This affects the ``type``
# field of the HTTP API and the "mirror_*" index options."
devpi index pypi remote_use_external_urls=False
