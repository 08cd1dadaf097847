#!/usr/bin/env bash
# Install what PDF builds need (TeX Live, latexmk, poppler) through apt when it is missing.
# Exit 0 when everything is present afterwards; exit 3 when it is missing and cannot be
# installed here (no apt-get, or neither root nor sudo); other failures exit 1.
# Usage: bash scripts/install-tex.sh [--quiet]
set -euo pipefail

APT_PACKAGES=(latexmk texlive-latex-base texlive-latex-recommended lmodern poppler-utils)
TOOLS=(latexmk pdflatex pdftotext)

missing_tools() {
  local tool
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null || printf '%s\n' "$tool"
  done
}

missing_packages() {
  local package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
      || printf '%s\n' "$package"
  done
}

if command -v dpkg-query >/dev/null; then
  mapfile -t missing < <(missing_packages)
else
  mapfile -t missing < <(missing_tools)
fi
if ((${#missing[@]} == 0)); then
  [[ "${1:-}" == --quiet ]] || echo "TeX Live, latexmk and poppler are installed"
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
echo "installing ${missing[*]} (about 190 MB, a few minutes)"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
