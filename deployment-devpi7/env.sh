# Shared by every step of the deployment: what must differ from the guide to run anywhere.
# Each value defaults to the guide's own; the conformance suite overrides them per run.
: "${DEPLOY_HOME:=${HOME}/.devpi}"                       # the guide's ${HOME}/.devpi
: "${DEPLOY_PREFIX:=${DEPLOY_HOME}/venv}"                  # the guide's micromamba env prefix
: "${DEPLOY_SERVERDIR:=${DEPLOY_HOME}/server}"
: "${DEPLOY_PORT:=3141}"
: "${DEPLOY_ROOT_PASSWORD:=root}"
: "${DEPLOY_LAUNCH_AGENTS:=${HOME}/Library/LaunchAgents}"
: "${DEPLOY_PIP_CONF_DIR:=${HOME}/Library/Application Support/pip}"
: "${DEPLOY_ARTIFACTORY_URL:=https://artifactory.example.com/artifactory/api/pypi/python-local/simple/}"
# Empty means devpi's own default for root/pypi (https://pypi.org/simple/), as in the guide.
: "${DEPLOY_PYPI_URL:=}"
# Empty means the newest release, as micromamba would install.
: "${DEPLOY_DEVPI_SERVER_VERSION:=}"
DEPLOY_URL="http://localhost:${DEPLOY_PORT}/"
