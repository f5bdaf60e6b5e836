# shellcheck shell=bash
# Stand-ins for the Dockerfile's two base images, assembled FROM scratch out of
# this machine's files: no registry is reachable here. Sourced by image.sh,
# which defines the buildah command array BUILDAH and the function say.
#
#   standin_go       -> prints the name of an image with this machine's Go
#                       toolchain laid out as the official golang image has it
#   standin_runtime  -> prints the name of an image with what the code needs of
#                       distroless static:debug: CA certificates, /tmp, root in
#                       /etc/passwd, and busybox at /busybox
#
# Each image is named after a digest of its inputs and is reused while they
# are unchanged, so a second run builds nothing here.

# image_exists NAME: whether NAME is in the store.
image_exists() {
	"${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1
}

# drop_stale REPOSITORY KEEP: removes the other tags of a stand-in, left by an
# earlier Go installation or busybox.
drop_stale() {
	local stale
	stale=$("${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}}' | grep "^$1:" | grep -vxF "$2" || true)
	if [[ -n "$stale" ]]; then
		# shellcheck disable=SC2086 # one image name per word
		"${BUILDAH[@]}" rmi $stale >/dev/null 2>&1 || true
	fi
}

# passwd_files DIR: a root-only /etc/passwd and /etc/group under DIR.
passwd_files() {
	mkdir -p "$1/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$1/etc/passwd"
	printf 'root:x:0:\n' >"$1/etc/group"
}

# ca_file DIR: the host's CA bundle at the path Go and distroless use.
ca_file() {
	install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"
}

standin_go() {
	local goroot goversion goarch key name ctr mnt
	goroot=$(go env GOROOT)
	goversion=$(go env GOVERSION)
	goarch=$(go env GOARCH)
	key=$(printf '%s\n' "$goroot" "$goversion" "$goarch" \
		"$(sha256sum /bin/busybox /etc/ssl/certs/ca-certificates.crt "$goroot/bin/go")" |
		sha256sum | cut -c1-12)
	name="localhost/oz-run-standin-go:$goversion-$key"
	if image_exists "$name"; then
		echo "$name"
		return
	fi
	say "assembling $name from $goroot"
	ctr=$("${BUILDAH[@]}" from --name "oz-standin-go-$$" scratch)
	mnt=$("${BUILDAH[@]}" mount "$ctr")
	mkdir -p "$mnt/usr/local" "$mnt/bin" "$mnt/go/bin" "$mnt/root"
	install -d -m 1777 "$mnt/tmp"
	cp -a "$goroot" "$mnt/usr/local/go"
	# RUN lines are shell-form: /bin/sh is busybox.
	cp /bin/busybox "$mnt/bin/busybox"
	ln -s busybox "$mnt/bin/sh"
	passwd_files "$mnt"
	ca_file "$mnt"
	"${BUILDAH[@]}" umount "$ctr" >/dev/null
	"${BUILDAH[@]}" config --os linux --arch "$goarch" \
		--env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--env GOPATH=/go --env GOTOOLCHAIN=local --env HOME=/root \
		--workingdir /go "$ctr"
	"${BUILDAH[@]}" commit --quiet --rm "$ctr" "$name" >/dev/null
	drop_stale localhost/oz-run-standin-go "$name"
	echo "$name"
}

standin_runtime() {
	local goarch key name ctr mnt applet
	goarch=$(go env GOARCH)
	key=$(printf '%s\n' "$goarch" \
		"$(sha256sum /bin/busybox /etc/ssl/certs/ca-certificates.crt)" |
		sha256sum | cut -c1-12)
	name="localhost/oz-run-standin-runtime:$key"
	if image_exists "$name"; then
		echo "$name"
		return
	fi
	say "assembling $name (CA certificates, /tmp, busybox)"
	ctr=$("${BUILDAH[@]}" from --name "oz-standin-runtime-$$" scratch)
	mnt=$("${BUILDAH[@]}" mount "$ctr")
	install -d -m 1777 "$mnt/tmp"
	mkdir -p "$mnt/busybox" "$mnt/root"
	cp /bin/busybox "$mnt/busybox/busybox"
	# Every applet as a link, as distroless :debug lays them out.
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$mnt/busybox/$applet"
	done
	passwd_files "$mnt"
	ca_file "$mnt"
	"${BUILDAH[@]}" umount "$ctr" >/dev/null
	"${BUILDAH[@]}" config --os linux --arch "$goarch" \
		--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox "$ctr"
	"${BUILDAH[@]}" commit --quiet --rm "$ctr" "$name" >/dev/null
	drop_stale localhost/oz-run-standin-runtime "$name"
	echo "$name"
}
