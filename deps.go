//go:build tools

package main

import (
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/sethvargo/go-githubactions"
	_ "github.com/stretchr/testify/require"
	_ "go.uber.org/goleak"
)
