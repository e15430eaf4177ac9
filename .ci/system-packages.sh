#!/usr/bin/env bash
# Debian packages the end-to-end tests use as real third-party peers. Installed only when missing.
set -euo pipefail
packages=()
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || packages+=("$1"); }
# (filled in as the peers arrive: libnet-smpp-perl as an SMSC, python3-aiosmtpd as an SMTP server, kannel as an ESME…)
for package in "$@"; do want "$package"; done
if [ ${#packages[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
