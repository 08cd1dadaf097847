#!/usr/bin/env bash
# Install what the web checks need through apt when it is missing: headless Chromium (HTML pages),
# pandoc, kramdown with its GFM parser (Jekyll, GitHub Pages) and Hugo (goldmark), the converters
# the Markdown flavours target, and a text font for the screenshots.
# Exit 0 when everything is present afterwards; 3 when it is missing and cannot be installed here
# (no apt-get, or neither root nor sudo); other failures exit 1.
# Usage: bash scripts/install-web.sh [--quiet]
set -euo pipefail

APT_PACKAGES=(chromium-headless-shell pandoc ruby-kramdown ruby-kramdown-parser-gfm hugo
  fonts-dejavu-core)

source "$(dirname "$0")/apt-install.sh"
status=0
apt_install "Chromium, pandoc, kramdown and Hugo" "about 250 MB" "${1:-}" \
  "${APT_PACKAGES[@]}" || status=$?
exit "$status"
