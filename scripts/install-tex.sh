#!/usr/bin/env bash
# Install what PDF builds need (TeX Live, latexmk, poppler) through apt when it is missing.
# Exit 0 when everything is present afterwards; exit 3 when it is missing and cannot be
# installed here (no apt-get, or neither root nor sudo); other failures exit 1.
# Usage: bash scripts/install-tex.sh [--quiet]
set -euo pipefail

APT_PACKAGES=(latexmk texlive-latex-base texlive-latex-recommended lmodern poppler-utils)
TOOLS=(latexmk pdflatex pdftotext)

if ! command -v dpkg-query >/dev/null; then  # not Debian: the tools on PATH are all we can see
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing $tool and there is no apt-get" >&2; exit 3; }
  done
  [[ "${1:-}" == --quiet ]] || echo "TeX Live, latexmk and poppler are installed"
  exit 0
fi
source "$(dirname "$0")/apt-install.sh"
status=0
apt_install "TeX Live, latexmk and poppler" "about 190 MB, a few minutes" "${1:-}" \
  "${APT_PACKAGES[@]}" || status=$?
exit "$status"
