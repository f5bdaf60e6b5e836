# oz-run: one static binary on a small base image that has a shell.
#
# Both base images can be replaced with build arguments, for mirrors and for
# CI without a registry (.ci/image.sh builds with locally assembled stand-ins):
#   --build-arg GO_IMAGE=<image with Go at /usr/local/go>
#   --build-arg BASE_IMAGE=<runtime base>
# By default they name the two stages below, whose FROM lines hold the real
# images: Dependabot reads literal FROM lines only, not ARG defaults.
ARG GO_IMAGE=go-toolchain
ARG BASE_IMAGE=runtime-base

# Pinned by tag. Pin by digest too (image:tag@sha256:...) once the digest has
# been read from the registry; Dependabot then keeps both current.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS go-toolchain
# distroless "static": CA certificates, /tmp, tzdata, no libc. The :debug
# variant adds busybox at /busybox/sh, which GitLab's docker executor needs to
# run a job's script inside the image.
FROM gcr.io/distroless/static-debian12:debug AS runtime-base

# The compiler runs on the build machine's platform and cross-compiles for the
# target: multi-arch builds need no emulation for the Go toolchain.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS
ARG TARGETARCH
# A module proxy mirror, passed through when set; empty means Go's default.
ARG GOPROXY
ENV CGO_ENABLED=0 \
    GOTOOLCHAIN=local \
    GOFLAGS=-mod=readonly \
    GOMODCACHE=/go/pkg/mod \
    GOCACHE=/root/.cache/go-build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS="$TARGETOS" GOARCH="$TARGETARCH" \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/oz-run .

FROM ${BASE_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/oz-run/oz-run-action
ARG LICENSE=MIT
LABEL org.opencontainers.image.title="oz-run" \
      org.opencontainers.image.description="Start a Warp Oz cloud agent run from CI, wait for it to end, and gate the pipeline on its outcome" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/oz-run /usr/local/bin/oz-run
# distroless :debug's own PATH, stated here so that any base behaves alike: a
# GitLab job's shell finds oz-run and the busybox applets.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox
# No USER: the image runs as root on purpose. GitHub creates the file-command
# files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) as the runner's user (uid 1001,
# mode 0644) and mounts them into the container, so no other non-root uid could
# append to them; GitHub's docs say container actions must run as the default
# (root) user. GitLab runs the job's script as the image's user as well.
ENTRYPOINT ["/usr/local/bin/oz-run"]
