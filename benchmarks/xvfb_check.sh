#!/usr/bin/env bash
# Checks that the app really opens on an X display: runs it under Xvfb with a temporary
# profile, waits for the "Photo Search" window, takes a screenshot, quits it with Ctrl+Q and
# expects exit status 0. Exits non-zero on any failure.
#
#   benchmarks/xvfb_check.sh [SCREENSHOT.png]
#
# Needs xvfb-run, xdotool and ImageMagick's import (Debian: apt-get install -y xvfb xdotool
# imagemagick). RUN_CMD overrides the command (default: what `make run` runs).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in xvfb-run xdotool import; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "xvfb_check: missing ${missing[*]}: apt-get install -y xvfb xdotool imagemagick" >&2
    exit 2
fi

work=$(mktemp -d -t photosearch-xvfb-XXXXXX)
trap 'rm -rf "$work"' EXIT
shot=${1:-${TMPDIR:-/tmp}/photosearch-xvfb-window.png}
export PHOTOSEARCH_DATA_DIR="$work/profile"
export RUN_CMD=${RUN_CMD:-.venv/bin/python main.py}
export SHOT="$shot" LOG="$work/app.log"

xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" bash -c '
    set -u
    $RUN_CMD >"$LOG" 2>&1 &
    app=$!
    window=""
    for _ in $(seq 1 150); do
        window=$(xdotool search --onlyvisible --name "^Photo Search$" 2>/dev/null | head -n1 || true)
        [ -n "$window" ] && break
        kill -0 "$app" 2>/dev/null || break
        sleep 0.2
    done
    if [ -z "$window" ]; then
        echo "xvfb_check: FAIL: no \"Photo Search\" window appeared" >&2
        kill "$app" 2>/dev/null; cat "$LOG" >&2; exit 1
    fi
    sleep 1.5  # let the first frame paint
    geometry=$(xdotool getwindowgeometry "$window" | tr -s " " | tr "\n" " ")
    import -window root "$SHOT"
    xdotool windowfocus --sync "$window" key --clearmodifiers ctrl+q || true  # no window manager: focus, not activate
    for _ in $(seq 1 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$app" 2>/dev/null; then
        echo "xvfb_check: FAIL: the app did not quit on Ctrl+Q" >&2; kill "$app"; exit 1
    fi
    wait "$app"; status=$?
    if [ "$status" -ne 0 ]; then
        echo "xvfb_check: FAIL: the app exited with status $status" >&2; cat "$LOG" >&2; exit 1
    fi
    if grep -q "Traceback" "$LOG"; then
        echo "xvfb_check: FAIL: a traceback was printed" >&2; cat "$LOG" >&2; exit 1
    fi
    echo "xvfb_check: window $window shown ($geometry)"
'
colours=$(identify -format "%k" "$shot")
size=$(identify -format "%wx%h" "$shot")
if [ "$colours" -lt 8 ]; then
    echo "xvfb_check: FAIL: the screenshot $shot is blank ($colours colours)" >&2
    exit 1
fi
echo "xvfb_check: OK: screenshot $shot ($size, $colours colours)"
