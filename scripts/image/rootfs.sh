#!/usr/bin/env bash
# Makes a base root file system tarball from Debian packages, no registry needed:
#
#   scripts/image/rootfs.sh OUT.tar SUITE PACKAGES [--only-listed] [--merged-usr] [--node NODE_BIN] [--npm NPM_DIR]
#
# PACKAGES is comma separated. mmdebstrap --variant=extract downloads them with their
# dependency closure and unpacks them; it runs no maintainer scripts, so this writes what
# they would have (the CA bundle, /etc/localtime) plus a passwd with the image's uid 10001.
# --only-listed keeps only the files of the listed packages, as distroless does: libc6 and
# libstdc++6 need nothing else at run time, but ca-certificates and tzdata depend on openssl
# and debconf (perl), which only their maintainer scripts use.
# --merged-usr: /bin, /lib as symlinks into /usr, as Debian's own bookworm images (and so
# node:24-bookworm-slim, the Dockerfile's default build base) have them.
# --node/--npm put Node (and npm) where the official images have them (/usr/local).
set -euo pipefail

out=$1 suite=$2 packages=$3
shift 3
only_listed=false node_bin='' npm_dir='' hooks=()
while (($#)); do
  case $1 in
    --only-listed) only_listed=true ;;
    --merged-usr) hooks=(--setup-hook=/usr/share/mmdebstrap/hooks/merged-usr/setup00.sh) ;;
    --node) node_bin=$2; shift ;;
    --npm) npm_dir=$2; shift ;;
    *) echo "rootfs.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/debug-host-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

# The .debs stay in the apt cache (skip=cleanup/apt/cache) so that files can be attributed
# to packages below; docs, man pages and translations are never unpacked, copyrights are.
mmdebstrap --quiet --variant=extract --mode=root --format=directory \
  --skip=cleanup/apt/cache --include="$packages" "${hooks[@]}" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
  "$suite" "$root" >"$work/mmdebstrap.log" 2>&1 || { cat "$work/mmdebstrap.log" >&2; exit 1; }

debs=$root/var/cache/apt/archives
# The exact package set, recorded in the image for whoever audits it (and the cache key).
for deb in "$debs"/*.deb; do dpkg-deb -W --showformat='${Package} ${Version} ${Architecture}\n' "$deb"; done | LC_ALL=C sort >"$work/closure"

if $only_listed; then
  listed=" ${packages//,/ } "
  : >"$work/keep"
  : >"$work/drop"
  for deb in "$debs"/*.deb; do
    pkg=$(dpkg-deb -f "$deb" Package)
    if [[ $listed == *" $pkg "* ]]; then list=keep; else list=drop; fi
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./||; s|/$||' >>"$work/$list"
  done
  # Files (and symlinks) only dropped packages own; shared directories stay.
  LC_ALL=C sort -u "$work/keep" -o "$work/keep"
  LC_ALL=C sort -u "$work/drop" | LC_ALL=C comm -23 - "$work/keep" | while IFS= read -r path; do
    if [[ -n $path && ( -L $root/$path || -f $root/$path ) ]]; then rm -f "$root/$path"; fi
  done
  awk -v listed="$listed" 'index(listed, " " $1 " ")' "$work/closure" >"$work/closure.kept"
  mv "$work/closure.kept" "$work/closure"
  # Directories the dropped packages left empty.
  find "$root/usr" "$root/etc" "$root/lib" "$root/var" -depth -type d -empty -delete 2>/dev/null || true
fi

# The engine provides /dev; mmdebstrap's device nodes have no place in an image.
find "$root/dev" -mindepth 1 -delete
# What the maintainer scripts would have made.
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/usr/local/bin"
chmod 1777 "$root/tmp"
if [[ -d $root/usr/share/ca-certificates ]]; then
  # update-ca-certificates: every certificate, newline-terminated, in C sort order.
  find "$root/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | while IFS= read -r crt; do sed -e '$a\' "$crt"; done \
    >"$root/etc/ssl/certs/ca-certificates.crt"
fi
if [[ -d $root/usr/share/zoneinfo ]]; then
  ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
  echo Etc/UTC >"$root/etc/timezone"
fi
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'debughost:x:10001:10001:debug-host:/nonexistent:/sbin/nologin' \
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'debughost:x:10001:' 'nogroup:x:65534:' >"$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$root/etc/nsswitch.conf"
# The engine mounts its own; never ship the build machine's.
: >"$root/etc/resolv.conf"
: >"$root/etc/hosts"
echo localhost >"$root/etc/hostname"
mkdir -p "$root/usr/share/debug-host"
cp "$work/closure" "$root/usr/share/debug-host/base-packages.txt"
rm -rf "$root/var/cache/apt" "$root/var/lib/apt" "$root/etc/apt" "$root/var/log"/* "$root/etc/dpkg" "$root/var/lib/dpkg" \
  "$root/etc/ca-certificates" "$root/etc/debconf.conf" "$root/etc/fstab"

if [[ -n $node_bin ]]; then
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
fi
if [[ -n $npm_dir ]]; then
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
fi

# Reproducible: same packages and Node give the same tarball.
tar -C "$root" --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$out" .
