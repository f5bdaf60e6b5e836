#!/usr/bin/env bash
# Builds the real Dockerfile with buildah and proves the image works.
#
# There is no Docker engine and no registry here, so both base images are
# replaced (through the Dockerfile's GO_IMAGE and BASE_IMAGE arguments) by
# stand-ins assembled from this machine's files (standins.sh). Then the image
# is mounted and checked: entrypoint, user, a static binary, the size budget,
# `oz-run demo` run directly and through busybox's sh as GitLab runs a job.
#
# Usage: bash .ci/image.sh    (as root; installs buildah when missing)
# Env:   OZ_SKIP_IMAGE=1      skip this stage, saying so (never skipped silently)
#        OZ_IMAGE_STORE=DIR   buildah's storage (default /var/tmp/oz-run-image)
#        OZ_IMAGE_BUDGET=N    size budget in bytes (default 16 MiB)
set -euo pipefail

if [[ "${OZ_SKIP_IMAGE:-}" == 1 ]]; then
	echo "image: SKIPPED because OZ_SKIP_IMAGE=1"
	exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)

# say MESSAGE: a progress line with the seconds since the stage started.
say() {
	echo "image: [+$(($(date +%s) - started))s] $*" >&2
}

fail() {
	echo "image: FAILED: $*" >&2
	exit 1
}

# Tools from Debian: buildah, busybox-static (the stand-in's shell) and file.
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v file >/dev/null || missing+=(file)
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	missing+=(busybox-static)
fi
if ((${#missing[@]})); then
	say "installing ${missing[*]} from Debian"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || fail "apt-get update failed: cannot install ${missing[*]} (set OZ_SKIP_IMAGE=1 to skip this stage on purpose)"
	apt-get install -y -qq "${missing[@]}" >/dev/null ||
		fail "apt-get install ${missing[*]} failed (set OZ_SKIP_IMAGE=1 to skip this stage on purpose)"
fi
command -v go >/dev/null || fail "go is not on PATH: the Go stand-in image is made from this machine's Go"

# A store of our own: vfs works without overlay support, and nothing here
# touches the machine's default container storage.
store=${OZ_IMAGE_STORE:-/var/tmp/oz-run-image}
BUILDAH=(buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs)
image=localhost/oz-run:ci
budget=${OZ_IMAGE_BUDGET:-$((16 * 1024 * 1024))}
distroless_estimate=$((3 * 1024 * 1024))

# Containers left by this or an interrupted earlier run are removed (their
# mounts with them) on every exit: the store is ours alone.
cleanup() {
	"${BUILDAH[@]}" rm --all >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

# shellcheck source=.ci/standins.sh
source .ci/standins.sh
go_image=$(standin_go)
base_image=$(standin_runtime)

revision=$(git rev-parse --verify --quiet HEAD 2>/dev/null || true)
revision=${revision:-unknown}
version="ci-${revision:0:12}"

say "building Dockerfile with GO_IMAGE=$go_image BASE_IMAGE=$base_image"
build_started=$(date +%s)
"${BUILDAH[@]}" bud \
	--isolation chroot --network host --pull=never \
	--build-arg GO_IMAGE="$go_image" \
	--build-arg BASE_IMAGE="$base_image" \
	--build-arg TARGETOS=linux --build-arg TARGETARCH="$(go env GOARCH)" \
	--build-arg GOPROXY="$(go env GOPROXY)" \
	--build-arg VERSION="$version" \
	--build-arg REVISION="$revision" \
	--file Dockerfile --tag "$image" . ||
	fail "buildah could not build the Dockerfile (see the output above)"
build_seconds=$(($(date +%s) - build_started))
# The image of the previous run, now untagged, goes.
"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true

# inspect FORMAT: a field of the built image's OCI config.
inspect() {
	"${BUILDAH[@]}" inspect --type image --format "$1" "$image"
}

# image_size NAME: the image's layers, uncompressed, in bytes (what 'podman
# image inspect' calls Size, less the config), read from its manifest.
image_size() {
	local manifest n total=0
	manifest=$("${BUILDAH[@]}" inspect --type image --format '{{.Manifest}}' "$1")
	while read -r n; do
		total=$((total + n))
	done < <(grep -o '"size":[0-9]*' <<<"${manifest#*\"layers\":}" | cut -d: -f2)
	((total > 0)) || fail "could not read the layer sizes of $1 from its manifest"
	echo "$total"
}

# One element, the binary: the exec form (a shell form would be sh -c ...).
entrypoint=$(inspect '{{range .OCIv1.Config.Entrypoint}}{{printf "%q " .}}{{end}}')
[[ "$entrypoint" == '"/usr/local/bin/oz-run" ' ]] ||
	fail "the entrypoint is [ $entrypoint], want [\"/usr/local/bin/oz-run\"] in exec form"
user=$(inspect '{{.OCIv1.Config.User}}')
[[ -z "$user" || "$user" == root || "$user" == 0 || "$user" == 0:0 ]] ||
	fail "the image runs as user '$user': it must run as root to write GitHub's file-command files"
source_label=$(inspect '{{index .OCIv1.Config.Labels "org.opencontainers.image.source"}}')
[[ -n "$source_label" ]] || fail "the org.opencontainers.image.source label is missing"
mapfile -t image_env < <(inspect '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' | sed '/^$/d')

ctr=$("${BUILDAH[@]}" from --pull-never "$image")
mnt=$("${BUILDAH[@]}" mount "$ctr")
bin="$mnt/usr/local/bin/oz-run"
[[ -x "$bin" ]] || fail "/usr/local/bin/oz-run is missing or not executable in the image"
kind=$(file -b "$bin")
[[ "$kind" == *"statically linked"* || "$kind" == *"static-pie linked"* ]] ||
	fail "oz-run is not a static binary: $kind"

size=$(image_size "$image")
base_size=$(image_size "$base_image")
# What the published image weighs: this one with distroless in place of the
# stand-in base. distroless static-debian12 is about 2 MiB (its README) and
# :debug adds busybox; 3 MiB is an estimate, not measured here.
projected=$((size - base_size + distroless_estimate))
((size <= budget)) || fail "the image is $size bytes, over the budget of $budget bytes"
((projected <= budget)) ||
	fail "with distroless as its base the image would be about $projected bytes, over the budget of $budget bytes"
binary_size=$(stat -c %s "$bin")

# The image as a container runtime would run it: its own root, its own env,
# nothing of this machine's environment. chroot runs as root, without
# namespaces; the demo talks to its fake API on loopback only.
timeout_bin=$(command -v timeout)
chroot_bin=$(command -v chroot)
in_image() {
	env -i "${image_env[@]}" "$timeout_bin" 120 "$chroot_bin" "$mnt" "$@"
}

got=$(in_image /usr/local/bin/oz-run version) || fail "'oz-run version' failed in the image"
[[ "$got" == *"$version"* ]] || fail "'oz-run version' printed '$got', want the injected version $version"

# run_demo WHAT COMMAND...: runs it in the image; its output is shown when it
# fails, its conclusion line when it passes.
run_demo() {
	local what=$1 out status=0
	shift
	out=$(in_image "$@" 2>&1) || status=$?
	if ((status != 0)); then
		printf '%s\n' "$out" >&2
		fail "$what exited $status in the image"
	fi
	say "$what passed: $(grep -m1 '^conclusion:' <<<"$out" || echo 'exit 0')"
}

run_demo "'oz-run demo' as the entrypoint" /usr/local/bin/oz-run demo
# GitLab's docker executor finds /busybox/sh and runs the job's script with it,
# in a build directory, with the image's PATH and GitLab's variables.
run_demo "the GitLab-style script 'oz-run version && oz-run demo' through /busybox/sh" \
	/busybox/sh -c 'export CI=true GITLAB_CI=true && mkdir -p /builds/oz && cd /builds/oz &&
		oz-run version && oz-run demo'

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "image: OK $image is $(mib "$size") ($size bytes; binary $(mib "$binary_size"), stand-in base $(mib "$base_size"))," \
	"about $(mib "$projected") on distroless; budget $(mib "$budget"); build ${build_seconds}s, stage $(($(date +%s) - started))s"
