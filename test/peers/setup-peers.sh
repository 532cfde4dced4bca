#!/usr/bin/env bash
# Real UPS daemons for test/peers/*.peer.test.ts. Idempotent; prints what it did.
#  - NUT (nut-server: upsd + the dummy-ups driver, nut-client: upsc) from apt, as root;
#  - apcupsd unpacked (apt-get download + dpkg -x) into .tmp/peers/apcupsd, with the libraries
#    it needs that the system lacks: the apcupsd package conflicts with nut-client, so it is
#    not installed. Nothing here starts a daemon; the tests do, on loopback, from temp dirs.
# Without root or apt the peer tests skip and say why.
set -uo pipefail
cd "$(dirname "$0")/../.."
dest=.tmp/peers/apcupsd
is_root=0; [ "$(id -u)" = 0 ] && is_root=1
have_apt=0; command -v apt-get >/dev/null 2>&1 && have_apt=1
updated=0
apt_update() { [ "$updated" = 1 ] || { apt-get update -qq >/dev/null 2>&1; updated=1; }; }

if [ -x /lib/nut/upsd ] && [ -x /lib/nut/dummy-ups ]; then
  echo "peers: NUT already installed ($(dpkg-query -W -f='${Version}' nut-server 2>/dev/null || echo '?'))"
elif [ "$is_root" = 1 ] && [ "$have_apt" = 1 ]; then
  echo "peers: installing nut-server nut-client"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nut-server nut-client >/dev/null 2>&1 \
    && echo "peers: NUT installed" || echo "peers: could not install NUT; its peer tests will skip"
else
  echo "peers: NUT missing and no root/apt to install it; its peer tests will skip"
fi

if [ -x "$dest/sbin/apcupsd" ] && [ -x "$dest/sbin/apcaccess" ]; then
  echo "peers: apcupsd already unpacked in $dest"
elif [ "$have_apt" = 1 ] && command -v dpkg >/dev/null 2>&1; then
  work=$(mktemp -d)
  chmod 755 "$work"   # apt's sandbox user must be able to write the download there
  ( cd "$work" && apt-get download apcupsd >/dev/null 2>&1 ) || { apt_update; ( cd "$work" && apt-get download apcupsd >/dev/null 2>&1 ); }
  if ls "$work"/apcupsd_*.deb >/dev/null 2>&1; then
    mkdir -p "$dest"
    dpkg -x "$work"/apcupsd_*.deb "$dest"
    # Shared libraries the binary needs that are not on this system (libusb-0.1-4 usually).
    for pkg in libusb-0.1-4 libwrap0; do
      if ! dpkg -s "$pkg" >/dev/null 2>&1; then
        ( cd "$work" && apt-get download "$pkg" >/dev/null 2>&1 ) && dpkg -x "$work"/"$pkg"_*.deb "$dest" && echo "peers: unpacked $pkg beside apcupsd"
      fi
    done
    echo "peers: apcupsd $(dpkg-deb -f "$work"/apcupsd_*.deb Version) unpacked into $dest"
    missing=$(LD_LIBRARY_PATH="$dest/lib/x86_64-linux-gnu" ldd "$dest/sbin/apcupsd" 2>/dev/null | grep 'not found' || true)
    [ -n "$missing" ] && echo "peers: apcupsd still lacks: $missing"
  else
    echo "peers: could not download apcupsd; its peer tests will skip"
  fi
  rm -rf "$work"
else
  echo "peers: no apt/dpkg to fetch apcupsd; its peer tests will skip"
fi
