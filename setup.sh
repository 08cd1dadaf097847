#!/usr/bin/env bash
# Set everything up and build the default handout (PDF, LaTeX and Markdown) into output/.
#   bash setup.sh
# Where TeX cannot be installed (no apt-get, no root), it builds tex and md and says how to get
# the PDF. The virtual environment lands in .venv; use it afterwards as .venv/bin/derive.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup.sh: derive needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }

formats=pdf,tex,md
status=0
bash scripts/install-tex.sh || status=$?
if ((status == 3)); then
  formats=tex,md
  echo "No TeX here: building tex and md only. For the PDF: apt-get install latexmk" \
    "texlive-latex-base texlive-latex-recommended lmodern, then run: bash setup.sh"
elif ((status != 0)); then
  exit "$status"
fi

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/derive build --format "$formats"
