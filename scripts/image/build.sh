#!/usr/bin/env bash
# Builds the runtime image from runtime/Dockerfile without a Docker engine or a registry:
# Debian's buildah and podman, and bases made here from Debian packages (mmdebstrap) plus
# the Node binary of scripts/node/install.sh, passed as the Dockerfile's BUILD_BASE and
# RUNTIME_BASE. Writes the image to local storage and an OCI archive:
#
#   scripts/image/build.sh      # -> localhost/debug-host/runtime:<version>
#                               #    dist/image/debug-host-runtime-<version>.oci.tar (+ .json: sizes)
#
# Bases are cached in podman's storage under a tag made of the Debian suite, the Node and
# npm versions and a hash of the package lists and scripts; the build's layers are cached
# (--layers), so a second run rebuilds only what changed. DEBUG_HOST_IMAGE_REFRESH=1 makes
# the bases again (to take Debian's security updates).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
root=$PWD
started=$(date +%s)
log() { printf '::: image: %s\n' "$*" >&2; }

SUITE=bookworm
# libc6, libstdc++6, libgcc-s1: what the Node binary links; gcc-12-base: their copyright.
RUNTIME_PACKAGES=libc6,libstdc++6,libgcc-s1,gcc-12-base,ca-certificates,tzdata
# The build stage runs `npm ci` and the bundler under /bin/sh.
BUILD_PACKAGES=libc6,libstdc++6,libgcc-s1,ca-certificates,dash,coreutils
IMAGE=localhost/debug-host/runtime
out=$root/dist/image

if [[ $EUID -ne 0 ]]; then
  echo "scripts/image/build.sh needs root (apt-get, mmdebstrap --mode=root, podman's storage)." >&2
  exit 1
fi

missing=()
for tool in podman buildah runc mmdebstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc mmdebstrap >/dev/null
fi

# How containers run on these machines (../shared/design/SERVICES.md): runc, and no default
# ulimits (raising them needs CAP_SYS_RESOURCE, which the sandbox lacks).
cache=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}/image
mkdir -p "$cache" "$out"
if [[ -z ${CONTAINERS_CONF:-} ]]; then
  printf '[containers]\ndefault_ulimits = []\n' >"$cache/containers.conf"
  export CONTAINERS_CONF=$cache/containers.conf
fi

node_bin=$(scripts/node/install.sh)
node_bin=${node_bin:-$(dirname "$(command -v node)")}
node=$node_bin/node
npm_dir=$(cd "$(dirname "$(readlink -f "$node_bin/npm")")/.." && pwd)
node_version=$("$node" -v)
npm_version=$("$node" -p "require('$npm_dir/package.json').version")
version=$("$node" -p "require('./runtime/package.json').version")
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# make_base NAME PACKAGES ROOTFS_OPTIONS...: the tag NAME-<hash of what makes it>, made with
# rootfs.sh and imported into podman's storage unless already there. Prints the tag.
make_base() {
  local name=$1 packages=$2
  shift 2
  local tag tar
  tag=$name-$({ cat scripts/image/rootfs.sh; echo "$SUITE $packages $*"; } | sha256sum | cut -c1-12)
  if [[ -z ${DEBUG_HOST_IMAGE_REFRESH:-} ]] && podman image exists "$tag"; then
    log "base $tag (cached)"
  else
    log "making base $tag from Debian $SUITE: $packages"
    tar=$(mktemp "${TMPDIR:-/var/tmp}/debug-host-base.XXXXXX.tar")
    scripts/image/rootfs.sh "$tar" "$SUITE" "$packages" "$@" >&2
    podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      --change "LABEL org.opencontainers.image.description=\"debug-host base from Debian $SUITE: $packages\"" \
      "$tar" "$tag" >/dev/null
    rm -f "$tar"
  fi
  echo "$tag"
}
runtime_base=$(make_base "localhost/debug-host/runtime-base:$SUITE" "$RUNTIME_PACKAGES" --only-listed)
build_base=$(make_base "localhost/debug-host/build-base:$SUITE-node${node_version#v}-npm$npm_version" "$BUILD_PACKAGES" \
  --merged-usr --node "$node" --npm "$npm_dir")

# A machine whose registry traffic goes through a TLS-inspecting proxy trusts its CA through
# NODE_EXTRA_CA_CERTS; the build stage's npm gets it as a build secret (not in any layer).
secret=()
[[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]] && secret=(--secret "id=build_ca,src=$NODE_EXTRA_CA_CERTS")

log "buildah bud runtime/Dockerfile -> $IMAGE:$version"
# --network host: npm ci in the build stage reaches the registry. --format docker keeps the
# HEALTHCHECK, which the OCI image config cannot carry.
buildah bud --quiet --runtime runc --network host --layers --format docker "${secret[@]}" \
  --build-arg BUILD_BASE="$build_base" --build-arg RUNTIME_BASE="$runtime_base" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  -f runtime/Dockerfile -t "$IMAGE:$version" . >/dev/null

id=$(podman image inspect --format '{{.Id}}' "$IMAGE:$version")
archive=$out/debug-host-runtime-$version.oci.tar
facts=$out/debug-host-runtime-$version.json
if [[ -f $archive && -f $facts && $("$node" -p "require('$facts').id") == "$id" ]]; then
  log "$archive is this image (cached)"
else
  log "writing $archive"
  rm -f "$archive" "$facts"
  podman save --quiet --format oci-archive -o "$archive" "$IMAGE:$version"
  # Compressed size: the layers as a registry stores them. podman writes them gzipped
  # (their size is in the manifest); an uncompressed one is gzipped here to count it alike.
  compressed=$("$node" -e '
    const { execFileSync } = require("node:child_process");
    const read = (path) => execFileSync("tar", ["-xOf", process.argv[1], path], { maxBuffer: 1 << 30 });
    const index = JSON.parse(read("index.json"));
    const manifest = JSON.parse(read(`blobs/${index.manifests[0].digest.replace(":", "/")}`));
    let bytes = 0;
    for (const l of manifest.layers) {
      bytes += l.mediaType.endsWith("+gzip") ? l.size : require("node:zlib").gzipSync(read(`blobs/${l.digest.replace(":", "/")}`)).length;
    }
    console.log(bytes);' "$archive")
  size=$(podman image inspect --format '{{.Size}}' "$IMAGE:$version")
  base_size=$(podman image inspect --format '{{.Size}}' "$runtime_base")
  node_size=$(stat -c %s "$node")
  printf '{"image":"%s","id":"%s","version":"%s","runtimeBase":"%s","buildBase":"%s","bytes":{"image":%d,"base":%d,"node":%d,"added":%d,"compressed":%d}}\n' \
    "$IMAGE:$version" "$id" "$version" "$runtime_base" "$build_base" "$size" "$base_size" "$node_size" \
    $((size - base_size - node_size)) "$compressed" >"$facts"
fi

"$node" -e '
  const f = require(process.argv[1]), mb = (n) => (n / 1e6).toFixed(1) + " MB";
  const b = f.bytes;
  console.log(`${f.image} (${f.id.slice(0, 12)})`);
  console.log(`  adds to base and Node: ${mb(b.added)} (goal < 30 MB)`);
  console.log(`  base ${mb(b.base)}, Node ${mb(b.node)}`);
  console.log(`  whole image: ${mb(b.image)} uncompressed (goal < 200 MB), ${mb(b.compressed)} compressed (goal < 70 MB)`);' "$facts"
echo "  archive: ${archive#"$root"/}"
log "done in $(($(date +%s) - started)) s"
