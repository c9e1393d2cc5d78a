#!/usr/bin/env bash
# Install the Debian packages the tests need (browser tests, CJK fonts, LibreOffice checks of rosters).
# Does nothing when they are already there.
set -euo pipefail
packages=(chromium fonts-noto-cjk libreoffice-calc-nogui)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm installs axe-core (package-lock.json) for the browser tests' accessibility check.
command -v node > /dev/null 2>&1 || missing+=(nodejs)
command -v npm > /dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "安装 Debian 软件包：${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
