# Shared by install-tex.sh and install-web.sh (sourced, not run): install Debian packages that
# are missing, through apt-get, as root or with passwordless sudo.
#
# apt_install WHAT SIZE QUIET PACKAGE... installs the missing PACKAGEs and returns 0 when all are
# installed afterwards; 3 when some are missing and cannot be installed here (no apt-get, or
# neither root nor sudo); apt's own failures stop the calling script (set -e). WHAT names the
# packages in messages ("TeX Live, latexmk and poppler"), SIZE is the download ("about 190 MB"),
# QUIET is --quiet to say nothing when everything is present.

missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
      || printf '%s\n' "$package"
  done
}

apt_install() {
  local what=$1 size=$2 quiet=$3
  shift 3
  local missing=() sudo=()
  mapfile -t missing < <(missing_packages "$@")
  if ((${#missing[@]} == 0)); then
    [[ "$quiet" == --quiet ]] || echo "$what are installed"
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "missing ${missing[*]} and there is no apt-get to install them" >&2
    return 3
  fi
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      echo "missing ${missing[*]}: installing them needs root (sudo)" >&2
      return 3
    fi
    sudo=(sudo -n)
  fi
  echo "installing ${missing[*]} ($size)"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
