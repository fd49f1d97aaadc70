#!/usr/bin/env bash
# Installs Debian's headless-capable `chromium` when no Chromium is on PATH (the browser test of the HTML
# report opens the report in it). Uses sudo when not root. GPC_CHROMIUM names another Chromium or Chrome binary.
set -euo pipefail
if [ -n "${GPC_CHROMIUM:-}" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
  || command -v google-chrome >/dev/null; then
  exit 0
fi
echo "installing chromium (the browser test opens the HTML report in headless Chromium)" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
