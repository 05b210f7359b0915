#!/usr/bin/env bash
# The guide's note: cache all packages, PyPI's included.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"
export PATH="${DEPLOY_PREFIX}/bin:${PATH}"

devpi index pypi mirror_use_external_urls=False
