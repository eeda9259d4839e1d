#!/bin/sh
# Installs what the real-window GUI test (tests/e2e/test_gallery_xvfb.py) needs: an X server
# (Xvfb), xdotool to drive it, and the X libraries Qt's xcb platform loads. Debian/Ubuntu only.
# Does nothing when everything is there; never fails the build: without root or apt-get it
# says what is missing and exits 0 (the test then skips and names this script).
set -u

PACKAGES="xvfb xdotool libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1
libfontconfig1 libdbus-1-3"
LIBRARIES="libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 libxkbcommon-x11.so.0 libEGL.so.1"

missing=""
for tool in Xvfb xdotool; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if command -v ldconfig >/dev/null 2>&1; then
    known=$(ldconfig -p 2>/dev/null)
    for lib in $LIBRARIES; do
        case "$known" in *"$lib"*) ;; *) missing="$missing $lib" ;; esac
    done
fi
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: missing$missing; no apt-get here, install them by hand" >&2
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-system-deps: missing$missing; run as root: sudo $0" >&2
    exit 0
fi
echo "install-system-deps: installing X test tools and Qt's xcb libraries (missing:$missing)" >&2
# shellcheck disable=SC2086  # the package list is meant to split
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $PACKAGES; } >/dev/null; then
    echo "install-system-deps: apt-get failed; the Xvfb GUI test will skip" >&2
fi
exit 0
