#!/usr/bin/env bash
# The guide's launchd plist and the wrapper script it runs, written as the guide writes them.
set -euo pipefail
. "$(dirname -- "$0")/env.sh"

mkdir -p -- "${DEPLOY_LAUNCH_AGENTS}"
cat > "${DEPLOY_LAUNCH_AGENTS}/com.manselmi.devpi.server.plist" << PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>Disabled</key>
    <false/>
    <key>KeepAlive</key>
    <dict>
        <key>SuccessfulExit</key>
        <false/>
    </dict>
    <key>Label</key>
    <string>com.manselmi.devpi.server</string>
    <key>ProgramArguments</key>
    <array>
        <string>${DEPLOY_HOME}/devpi-server</string>
        <string>${DEPLOY_PREFIX}/bin/devpi-server</string>
        <string>--port</string>
        <string>${DEPLOY_PORT}</string>
        <string>--serverdir</string>
        <string>${DEPLOY_SERVERDIR}</string>
    </array>
</dict>
</plist>
PLIST

mkdir -p -- "${DEPLOY_HOME}"
cat > "${DEPLOY_HOME}/devpi-server" << WRAPPER
#!${DEPLOY_PREFIX}/bin/python
# vim: set ft=python :

import signal
import subprocess
import sys


def main():
    process = None

    def handler(signum, frame):
        if process is not None:
            process.send_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)

    process = subprocess.Popen(sys.argv[1:], start_new_session=True)
    process.wait()

    sys.exit(process.returncode)


if __name__ == '__main__':
    main()
WRAPPER
chmod +x "${DEPLOY_HOME}/devpi-server"
