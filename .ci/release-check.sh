#!/usr/bin/env bash
# Checks that action.yml's image reference fits a release tag, before the
# release workflow publishes anything.
#
# Usage: bash .ci/release-check.sh TAG [IMAGE]
#   TAG    the git tag being released: vX.Y.Z or vX.Y.Z-PRERELEASE
#   IMAGE  the image repository the release pushes to
#          (default ghcr.io/oz-run/oz-run-action)
#
# A release vX.Y.Z moves the image tag vX, and action.yml must say
#   image: docker://IMAGE:vX
# so that `uses: OWNER/oz-run-action@vX.Y.Z` (and @vX) pulls this release.
# A prerelease does not move vX, so action.yml must name the exact tag:
#   image: docker://IMAGE:vX.Y.Z-PRERELEASE
set -euo pipefail

tag=${1:?usage: release-check.sh TAG [IMAGE]}
repo=${2:-ghcr.io/oz-run/oz-run-action}
cd "$(dirname "${BASH_SOURCE[0]}")/.."

semver='^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$'
if [[ ! "$tag" =~ $semver ]]; then
	echo "release-check: tag '$tag' is not vMAJOR.MINOR.PATCH[-PRERELEASE]" >&2
	exit 1
fi
if [[ -n "${BASH_REMATCH[4]}" ]]; then
	want="docker://$repo:$tag"
else
	want="docker://$repo:v${BASH_REMATCH[1]}"
fi

# The one `image:` line under `runs:` (two-space indent, optionally quoted).
mapfile -t images < <(sed -n "s/^  image: *['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\} *$/\1/p" action.yml)
if ((${#images[@]} != 1)); then
	echo "release-check: action.yml must have exactly one 'runs.image' line, found ${#images[@]}" >&2
	exit 1
fi
if [[ "${images[0]}" != "$want" ]]; then
	echo "release-check: action.yml's image is '${images[0]}', but release $tag needs '$want'." >&2
	echo "release-check: update runs.image in action.yml, commit, and tag that commit (see docs/RELEASING.md)." >&2
	exit 1
fi
echo "release-check: action.yml's image '$want' fits release $tag"
