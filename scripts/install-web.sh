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

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
    || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  [[ "${1:-}" == --quiet ]] || echo "Chromium, pandoc, kramdown and Hugo are installed"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "missing ${missing[*]} and there is no apt-get to install them" >&2
  exit 3
fi
sudo=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
    echo "missing ${missing[*]}: installing them needs root (sudo)" >&2
    exit 3
  fi
  sudo=(sudo -n)
fi
echo "installing ${missing[*]} (about 250 MB)"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
