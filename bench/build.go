package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// moduleRoot is the directory of the module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w (run the bench inside the oz-run module)", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module: run `go run ./bench` from the oz-run repository")
	}
	return filepath.Dir(mod), nil
}

// buildRelease builds oz-run as it ships: static, trimmed, stripped.
func buildRelease(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building oz-run: %w\n%s", err, b)
	}
	return nil
}

// buildChecked builds the package's test binary, which runs as the program
// with a goroutine check at its end when OZ_RUN_TEST_AS_PROGRAM=1 (see
// faults_helpers_test.go), with the race detector when it can. It reports
// whether the race detector is in.
func buildChecked(ctx context.Context, root, out string) (race bool, err error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-race", "-o", out, ".")
	cmd.Dir = root
	if _, err := cmd.CombinedOutput(); err == nil {
		return true, nil
	}
	cmd = exec.CommandContext(ctx, "go", "test", "-c", "-o", out, ".")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return false, fmt.Errorf("building the checked program (go test -c): %w\n%s", err, b)
	}
	return false, nil
}
