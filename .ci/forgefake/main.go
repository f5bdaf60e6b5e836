// Command forgefake serves internal/comment/forgefake's fake GitHub on
// loopback for .ci/runners.sh, so that the action under act (whose job runs on
// the host's network) writes its pull request comment to it. It writes the
// API's URL to -url-file once listening and, when it gets SIGTERM or SIGINT,
// the comments on the pull request as JSON to -comments-file.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/oz-run/oz-run-action/internal/comment/forgefake"
)

func main() {
	token := flag.String("token", forgefake.DefaultToken, "the only token accepted")
	urlFile := flag.String("url-file", "", "where to write the API's URL (GITHUB_API_URL)")
	commentsFile := flag.String("comments-file", "", "where to write the comments, as JSON, when stopped")
	flag.Parse()
	if *urlFile == "" || *commentsFile == "" {
		fmt.Fprintln(os.Stderr, "forgefake: -url-file and -comments-file are required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	f := forgefake.NewGitHub("")
	defer f.Close()
	f.Token = *token
	if err := os.WriteFile(*urlFile, []byte(f.APIURL()+"\n"), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "forgefake: writing the URL file: %v\n", err)
		os.Exit(1)
	}
	<-ctx.Done()

	out, err := json.MarshalIndent(f.Comments(), "", "  ")
	if err == nil {
		err = os.WriteFile(*commentsFile, append(out, '\n'), 0o600)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "forgefake: writing the comments: %v\n", err)
		os.Exit(1)
	}
}
