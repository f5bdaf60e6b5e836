#!/usr/bin/env bash
# The action and the GitLab job as real runners drive them, on a Docker engine
# started here by hand:
#   1. Debian's docker.io, dockerd with a data root of its own;
#   2. the image built from the Dockerfile with BuildKit over stand-in bases
#      (made with `docker import` out of this machine's Go, busybox and CA
#      certificates: no registry is reachable) and tagged as action.yml names
#      it (ghcr.io/oz-run/oz-run-action:v<major>);
#   3. nektos/act runs .ci/act/oz-run.yml, which uses the repository's own
#      action.yml (`uses: ./`) against `oz-run fake-server` started in the job,
#      its pull request comment going to .ci/forgefake on the host's loopback;
#   4. gitlab-ci-local runs .ci/gitlab/.gitlab-ci.yml with the docker executor:
#      the image as a job image (entrypoint [""], busybox's sh), its dotenv
#      report reaching a later job, its JUnit and summary files, a failing
#      run's exit 1, a review's Code Quality report (allow_failure: 1).
# Where no container engine can start (no privileges, no cgroups), it says so
# in one line and exits 0. Each part prints its seconds.
#
# Usage: bash .ci/runners.sh      (as root; installs what it needs)
# Env:   OZ_SKIP_RUNNERS=1        skip, saying so (never skipped silently)
#        OZ_RUNNERS_DIR=DIR       dockerd's data, the tools, the caches
#                                 (default /var/tmp/oz-run-runners)
set -euo pipefail

if [[ "${OZ_SKIP_RUNNERS:-}" == 1 ]]; then
	echo "runners: SKIPPED because OZ_SKIP_RUNNERS=1 (act and gitlab-ci-local did not run)"
	exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
part_started=$started

say() {
	echo "runners: [+$(($(date +%s) - started))s] $*" >&2
}

fail() {
	echo "runners: FAILED: $*" >&2
	exit 1
}

# part NAME: ends the previous part (printing its seconds) and starts NAME.
part_name=""
parts=()
part() {
	local now
	now=$(date +%s)
	if [[ -n "$part_name" ]]; then
		parts+=("$part_name $((now - part_started))s")
		say "$part_name took $((now - part_started))s"
	fi
	part_name=$1 part_started=$now
}

act_version=v0.2.89
gcl_version=4.73.0 # 4.74 and later need Node 22 (Set.prototype.union); these machines have Node 20

work=${OZ_RUNNERS_DIR:-/var/tmp/oz-run-runners}
mkdir -p "$work/bin"
# Debian's docker client, the engine's own version, before any other on PATH.
export PATH="$work/bin:$PATH"

part "install"
missing=()
[[ -x /usr/sbin/dockerd && -x /usr/bin/docker ]] || missing+=(docker.io)
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	missing+=(busybox-static)
fi
command -v npm >/dev/null || missing+=(npm)
command -v rsync >/dev/null || missing+=(rsync) # gitlab-ci-local copies the project with it
if ((${#missing[@]})); then
	say "installing ${missing[*]} from Debian"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || fail "apt-get update failed: cannot install ${missing[*]} (set OZ_SKIP_RUNNERS=1 to skip this stage on purpose)"
	apt-get install -y -qq "${missing[@]}" >/dev/null ||
		fail "apt-get install ${missing[*]} failed (set OZ_SKIP_RUNNERS=1 to skip this stage on purpose)"
fi
ln -sf /usr/bin/docker "$work/bin/docker"
if ! "$work/bin/act" --version 2>/dev/null | grep -qx "act version ${act_version#v}"; then
	say "installing nektos/act $act_version"
	GOBIN="$work/bin" GOFLAGS="" go install "github.com/nektos/act@$act_version" ||
		fail "go install github.com/nektos/act@$act_version failed"
fi
gcl="$work/npm/node_modules/.bin/gitlab-ci-local"
if [[ "$("$gcl" --version 2>/dev/null || true)" != "$gcl_version" ]]; then
	say "installing gitlab-ci-local $gcl_version"
	npm install --prefix "$work/npm" --no-audit --no-fund --loglevel=error "gitlab-ci-local@$gcl_version" >/dev/null ||
		fail "npm install gitlab-ci-local@$gcl_version failed"
fi

part "dockerd"
# An engine of our own: its socket, data and state under $work, so that it
# neither needs nor touches a system one.
sock="$work/docker.sock"
export DOCKER_HOST="unix://$sock"
pidfile="$work/dockerd.pid"
# A dockerd left by an interrupted earlier run of this script goes first.
if [[ -s "$pidfile" ]]; then
	old=$(cat "$pidfile")
	if [[ "$(cat "/proc/$old/comm" 2>/dev/null || true)" == dockerd ]]; then
		say "stopping the dockerd an earlier run left (pid $old)"
		kill "$old" 2>/dev/null || true
		for _ in $(seq 50); do [[ -d "/proc/$old" ]] || break; sleep 0.2; done
	fi
	rm -f "$pidfile"
fi
dockerd_log="$work/dockerd.log"
/usr/sbin/dockerd --data-root "$work/docker" --exec-root "$work/exec" \
	--pidfile "$pidfile" -H "$DOCKER_HOST" >"$dockerd_log" 2>&1 &
dockerd_pid=$!
workspaces=()
cleanup() {
	local rc=$?
	if [[ -n "${dockerd_pid:-}" ]]; then
		kill "$dockerd_pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
	fi
	[[ -n "${forge_pid:-}" ]] && kill "$forge_pid" 2>/dev/null
	((${#workspaces[@]})) && rm -rf "${workspaces[@]}"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ready=""
for _ in $(seq 150); do
	kill -0 "$dockerd_pid" 2>/dev/null || break
	if docker info >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.2
done
if [[ -z "$ready" ]]; then
	why=$({ grep -E 'level=fatal|failed to start daemon' "$dockerd_log" || grep -v '^$' "$dockerd_log"; } |
		tail -n 1 | sed -E 's/^time="[^"]*" level=[a-z]+ msg=//' | cut -c1-200)
	echo "runners: SKIPPED: no container engine could start here (dockerd: ${why:-no answer in 30s}); act and gitlab-ci-local did not run, $(($(date +%s) - started))s"
	exit 0
fi

# What an interrupted earlier run left in the engine goes.
docker container prune -f >/dev/null 2>&1 || true
docker volume prune -f >/dev/null 2>&1 || true

part "stand-in images"
# shellcheck source=.ci/standins.sh
source .ci/standins.sh # passwd_files, ca_file

# docker_import NAME DIR CHANGE...: DIR as the root of image NAME.
docker_import() {
	local name=$1 dir=$2 change
	shift 2
	local args=()
	for change in "$@"; do args+=(--change "$change"); done
	tar -C "$dir" -c . | docker import "${args[@]}" - "$name" >/dev/null ||
		fail "docker import of $name failed"
}

# busybox_into DIR SUBDIR: busybox at DIR/SUBDIR with every applet as a link.
busybox_into() {
	local applet
	mkdir -p "$1/$2"
	cp /bin/busybox "$1/$2/busybox"
	for applet in $(/bin/busybox --list); do
		[[ "$applet" == busybox ]] || ln -sf busybox "$1/$2/$applet"
	done
}

stage=$(mktemp -d "$work/stage.XXXXXX")
workspaces+=("$stage")

# The Go stand-in: this machine's Go laid out as the golang image has it.
goroot=$(go env GOROOT)
goarch=$(go env GOARCH)
key=$(printf '%s\n' "$goroot" "$(go env GOVERSION)" "$goarch" \
	"$(sha256sum /bin/busybox /etc/ssl/certs/ca-certificates.crt "$goroot/bin/go")" |
	sha256sum | cut -c1-12)
go_image="localhost/oz-run-standin-go:$(go env GOVERSION)-$key"
if ! docker image inspect "$go_image" >/dev/null 2>&1; then
	say "importing $go_image from $goroot"
	mkdir -p "$stage/go/usr/local" "$stage/go/bin" "$stage/go/go/bin" "$stage/go/root"
	install -d -m 1777 "$stage/go/tmp"
	cp -a "$goroot" "$stage/go/usr/local/go"
	cp /bin/busybox "$stage/go/bin/busybox"
	ln -s busybox "$stage/go/bin/sh"
	passwd_files "$stage/go"
	ca_file "$stage/go"
	docker_import "$go_image" "$stage/go" \
		'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		'ENV GOPATH=/go' 'ENV GOTOOLCHAIN=local' 'ENV HOME=/root' 'WORKDIR /go'
	rm -rf "$stage/go"
fi

# The runtime stand-in: what the code needs of distroless static:debug.
key=$(printf '%s\n' "$goarch" "$(sha256sum /bin/busybox /etc/ssl/certs/ca-certificates.crt)" |
	sha256sum | cut -c1-12)
base_image="localhost/oz-run-standin-runtime:$key"
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
	say "importing $base_image (CA certificates, /tmp, busybox at /busybox)"
	mkdir -p "$stage/rt/root"
	install -d -m 1777 "$stage/rt/tmp"
	busybox_into "$stage/rt" busybox
	passwd_files "$stage/rt"
	ca_file "$stage/rt"
	docker_import "$base_image" "$stage/rt" \
		'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox'
	rm -rf "$stage/rt"
fi

part "image build (BuildKit)"
published=$(sed -n 's|^  image: docker://\(ghcr.io/oz-run/oz-run-action:v[0-9][0-9]*\)$|\1|p' action.yml)
[[ -n "$published" ]] || fail "action.yml's runs.image is not docker://ghcr.io/oz-run/oz-run-action:v<major>"
revision=$(git rev-parse --verify --quiet HEAD 2>/dev/null || true)
revision=${revision:-unknown}
version="ci-${revision:0:12}"
say "building the Dockerfile as $published over $go_image and $base_image"
DOCKER_BUILDKIT=1 docker build --progress=plain \
	--build-arg GO_IMAGE="$go_image" \
	--build-arg BASE_IMAGE="$base_image" \
	--build-arg GOPROXY="$(go env GOPROXY)" \
	--build-arg VERSION="$version" \
	--build-arg REVISION="$revision" \
	--tag "$published" . >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; fail "docker build (BuildKit) could not build the Dockerfile (the log's end is above)"; }
got=$(docker run --rm "$published" version) || fail "'docker run $published version' failed"
[[ "$got" == *"$version"* ]] || fail "'oz-run version' in the image printed '$got', want $version"
docker image prune -f >/dev/null 2>&1 || true

part "act"
# The job's container: busybox (act keeps it alive with /bin/sleep and runs
# `shell: sh` steps) and oz-run from the image, for the fake API. It is also
# gitlab-ci-local's helper image, which copies files with bash and rsync.
job_image=localhost/oz-run-job:ci
mkdir -p "$stage/job/usr/local/bin" "$stage/job/root"
install -d -m 1777 "$stage/job/tmp"
busybox_into "$stage/job" bin
for bin in /bin/bash /usr/bin/rsync; do
	cp -L "$bin" "$stage/job/bin/"
	ldd "$bin" | grep -o '/[^ ]*' | while read -r lib; do cp -L --parents "$lib" "$stage/job/"; done
done
passwd_files "$stage/job"
ca_file "$stage/job"
ctr=$(docker create "$published") || fail "docker create $published failed"
docker cp "$ctr:/usr/local/bin/oz-run" "$stage/job/usr/local/bin/oz-run" >/dev/null ||
	fail "could not copy oz-run out of $published"
docker rm "$ctr" >/dev/null
docker_import "$job_image" "$stage/job" 'ENV PATH=/usr/local/bin:/usr/bin:/bin'

# A workspace as a user's repository has it: the action.yml at its root
# (`uses: ./`), the workflow under .github/workflows.
ws=$(mktemp -d "$work/act.XXXXXX")
workspaces+=("$ws")
cp action.yml "$ws/action.yml"
mkdir -p "$ws/.github/workflows"
cp .ci/act/oz-run.yml "$ws/.github/workflows/oz-run.yml"
git -C "$ws" init -q
git -C "$ws" remote add origin https://github.com/oz/demo.git
git -C "$ws" add -A
git -C "$ws" -c user.name=ci -c user.email=ci@localhost commit -q -m workspace
# The pull request the comment goes to, on a fake GitHub on the host's
# loopback (the job, and so the action, run on the host's network).
head_sha=$(git -C "$ws" rev-parse HEAD)
cat >"$work/event.json" <<-EVENT
	{"action": "synchronize", "number": 7,
	 "pull_request": {"number": 7, "html_url": "https://github.com/oz/demo/pull/7",
	  "head": {"ref": "feature", "sha": "$head_sha"}, "base": {"ref": "main", "sha": "$head_sha"}},
	 "repository": {"full_name": "oz/demo", "html_url": "https://github.com/oz/demo"}}
EVENT
GOFLAGS="" go build -o "$work/bin/forgefake" ./.ci/forgefake || fail "could not build .ci/forgefake"
rm -f "$work/forge.url" "$work/forge.json"
forge_token=ghs_fakeForgeToken0123456789abcdef
"$work/bin/forgefake" -token "$forge_token" -url-file "$work/forge.url" -comments-file "$work/forge.json" &
forge_pid=$!
for _ in $(seq 100); do [[ -s "$work/forge.url" ]] && break; sleep 0.1; done
[[ -s "$work/forge.url" ]] || fail "the fake GitHub (.ci/forgefake) did not start"
# act: the image as tagged (no pull, no rebuild: act's builder is the classic
# one and cannot build the Dockerfile), the job on the busybox image, the
# host's network (act's default), no docker socket mounted into the job.
set +e
(cd "$ws" && HOME="$work/home" "$work/bin/act" pull_request \
	--eventpath "$work/event.json" \
	--env GITHUB_API_URL="$(cat "$work/forge.url")" \
	-s GITHUB_TOKEN="$forge_token" \
	--workflows .github/workflows/oz-run.yml \
	-P "ubuntu-latest=$job_image" \
	--pull=false --rebuild=false --bind \
	--container-daemon-socket - \
	-s WARP_API_KEY=wk-act-fake-key-0123456789) >"$work/act.log" 2>&1
act_rc=$?
set -e
if ((act_rc != 0)) ||
	! grep -q 'oz-run-act: outputs, files and result file OK' "$work/act.log" ||
	! grep -q 'oz-run-act: the failing run failed its step' "$work/act.log"; then
	tail -n 60 "$work/act.log" >&2
	fail "act exited $act_rc, or a check step did not pass (the log's end is above; all of it in $work/act.log)"
fi
grep -h 'oz-run-act: ' "$work/act.log" | sed 's/^.*oz-run-act: /runners: act: /' >&2
grep -q 'Summary - ## ✅ Oz run succeeded' "$work/act.log" ||
	fail "act logged no job summary of the run with files (all of the log in $work/act.log)"
kill -TERM "$forge_pid"
wait "$forge_pid" || fail "the fake GitHub (.ci/forgefake) failed"
forge_pid=""
if ! grep -q '"Login": "github-actions\[bot\]"' "$work/forge.json" || ! grep -q 'fake-run-000001' "$work/forge.json"; then
	fail "no comment of github-actions[bot] naming the run on the fake pull request: $work/forge.json"
fi
say "act: the pull request comment is on the fake GitHub ($(grep -c '"ID"' "$work/forge.json") comment)"

part "gitlab-ci-local"
# A project as a GitLab user has it: .gitlab-ci.yml naming the image as
# action.yml does.
ws=$(mktemp -d "$work/gitlab.XXXXXX")
workspaces+=("$ws")
sed "s|ghcr.io/oz-run/oz-run-action:v[0-9][0-9]*|$published|" .ci/gitlab/.gitlab-ci.yml >"$ws/.gitlab-ci.yml"
git -C "$ws" init -q
git -C "$ws" remote add origin https://gitlab.example.com/oz/demo.git
git -C "$ws" config user.name ci
git -C "$ws" config user.email ci@localhost
git -C "$ws" add -A
git -C "$ws" commit -q -m project
set +e
(cd "$ws" && HOME="$work/home" "$gcl" \
	--variable WARP_API_KEY=wk-gitlab-fake-key-0123456789 \
	--helper-image "$job_image" --pull-policy never \
	oz-agent oz-failing oz-review oz-check) >"$work/gitlab.log" 2>&1
gcl_rc=$?
set -e
if ((gcl_rc != 0)) ||
	! grep -q 'oz-run-gitlab: the failing run exited 1' "$work/gitlab.log" ||
	! grep -q 'oz-run-gitlab: the dotenv report, summary, JUnit, answer and files reached a later job' "$work/gitlab.log" ||
	! grep -q "oz-run-gitlab: the review's Code Quality report reached a later job" "$work/gitlab.log" ||
	! grep -Eq '^oz-review +finished in .* WARN 1' "$work/gitlab.log"; then
	tail -n 60 "$work/gitlab.log" >&2
	fail "gitlab-ci-local exited $gcl_rc, or a job's check did not pass (the log's end is above; all of it in $work/gitlab.log)"
fi
# GitLab masks nothing that is not masked in the settings: oz-run prints no key.
! grep -q 'wk-gitlab-fake-key-0123456789' "$work/gitlab.log" ||
	fail "the API key is in the GitLab job's log ($work/gitlab.log)"
grep -h 'oz-run-gitlab: ' "$work/gitlab.log" | grep -v 'echo ' | sed 's/^.*oz-run-gitlab: /runners: gitlab-ci-local: /' >&2

part ""
summary=$(printf '%s, ' "${parts[@]}")
echo "runners: OK in $(($(date +%s) - started))s (${summary%, })"
