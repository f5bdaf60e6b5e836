package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// imageSize is the size of the image .ci/image.sh builds (localhost/oz-run:ci
// in its own buildah store): the sum of its layers, uncompressed, as that
// script computes it, and when the image was built. It never builds the
// image: without one, the size is 0 and note says why.
func imageSize(ctx context.Context) (size int64, created, note string) {
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		return 0, "", "n/a (buildah is not installed)"
	}
	store := os.Getenv("OZ_IMAGE_STORE")
	if store == "" {
		store = "/var/tmp/oz-run-image"
	}
	const image = "localhost/oz-run:ci"
	out, err := exec.CommandContext(ctx, buildah, "--root", store+"/root", "--runroot", store+"/run",
		"--storage-driver", "vfs", "inspect", "--type", "image", "--format", "{{.OCIv1.Created}}\n{{.Manifest}}", image).Output()
	if err != nil {
		return 0, "", fmt.Sprintf("n/a (no image %s in %s: build it with `bash .ci/image.sh`)", image, store)
	}
	created, manifest, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	var m struct {
		Layers []struct {
			Size int64 `json:"size"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(manifest), &m); err != nil || len(m.Layers) == 0 {
		return 0, "", fmt.Sprintf("n/a (the manifest of %s could not be read)", image)
	}
	var n int64
	for _, l := range m.Layers {
		n += l.Size
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", created); err == nil {
		created = t.UTC().Format("2006-01-02 15:04 MST")
	}
	return n, "on " + created, ""
}
