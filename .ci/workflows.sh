#!/usr/bin/env bash
# Checks the repository's GitHub workflows and action definitions:
#  1. .github/actions/oz-run-local/action.yml is action.yml with the image
#     built from the Dockerfile instead of pulled (the self-test runs it);
#     `bash .ci/workflows.sh --fix` rewrites it from action.yml.
#  2. .ci/release-check.sh accepts action.yml for its own major and refuses
#     another one.
#  3. actionlint (with shellcheck on every run: script) passes on all workflows.
#
# Usage: bash .ci/workflows.sh [--fix]    (installs shellcheck when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() {
	echo "workflows: FAILED: $*" >&2
	exit 1
}

local_action=.github/actions/oz-run-local/action.yml
published='docker://ghcr.io/oz-run/oz-run-action'

# render: action.yml as the local action, built from the repository's
# Dockerfile. The runner resolves the path against the action's directory and
# builds with the Dockerfile's directory, the repository root, as context.
render() {
	cat <<-'EOF'
		# Generated from /action.yml by `bash .ci/workflows.sh --fix`: edit that file,
		# never this one. The same action, but the runner builds the image from the
		# repository's Dockerfile instead of pulling the published one, so that the
		# self-test workflow (.github/workflows/self-test.yml) tests this commit.
	EOF
	sed "s|^  image: $published:v[0-9][0-9]*\$|  image: ../../../Dockerfile|" action.yml
}

grep -q "^  image: $published:v[0-9][0-9]*\$" action.yml ||
	fail "action.yml's runs.image is not '$published:v<major>'"
if [[ "${1:-}" == --fix ]]; then
	render >"$local_action"
	echo "workflows: wrote $local_action"
fi
diff -u "$local_action" <(render) >&2 ||
	fail "$local_action is not action.yml with the image built locally: run 'bash .ci/workflows.sh --fix'"

major=$(sed -n "s|^  image: $published:v\([0-9][0-9]*\)\$|\1|p" action.yml)
bash .ci/release-check.sh "v$major.4.2" >/dev/null
bash .ci/release-check.sh "v$major.0.0-rc.1" >/dev/null 2>&1 &&
	fail "release-check.sh accepted a prerelease tag for an action.yml that names v$major"
bash .ci/release-check.sh "v$((major + 1)).0.0" >/dev/null 2>&1 &&
	fail "release-check.sh accepted a release of major $((major + 1)) for an action.yml that names v$major"

if ! command -v shellcheck >/dev/null; then
	echo "workflows: installing shellcheck from Debian"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; } ||
		fail "could not install shellcheck: actionlint would skip the run: scripts"
fi
shellcheck -x .ci/image.sh .ci/standins.sh .ci/release-check.sh .ci/workflows.sh .ci/busy.sh .ci/runners.sh
go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 -no-color ||
	fail "actionlint found problems in .github/workflows"
# The workflow that runners.sh runs through act, against this action.yml.
go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 -no-color .ci/act/oz-run.yml ||
	fail "actionlint found problems in .ci/act/oz-run.yml"
echo "workflows: OK (local action in step with action.yml, release check, shellcheck, actionlint)"
