# Source this file, do not run it:   . <env>/bin/deactivate
# Written by tpb pack-env: undoes what bin/activate set (the 'deactivate' function it defines).
if command -v deactivate >/dev/null 2>&1; then
    deactivate
fi
