package ozfake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// shutdownGrace is how long answers in flight get once Serve's context ends.
const shutdownGrace = time.Second

// Serve starts a fake on addr (such as "127.0.0.1:0") and serves until ctx
// ends. It returns the server and the API's base URL, ending in /api/v1.
// Wait blocks until the serving has stopped.
func Serve(ctx context.Context, addr string, opts ...Option) (*Server, string, error) {
	s := New(opts...)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("ozfake: listen on %s: %w (give a free host:port, or port 0 for any free one)", addr, err)
	}
	errorLog := log.New(io.Discard, "", 0)
	if s.logf != nil {
		errorLog = log.New(logWriter(s.logf), "", 0)
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          errorLog,
	}
	s.served = make(chan struct{})
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go func() {
		defer close(s.served)
		select {
		case err := <-errc:
			s.serveErr = fmt.Errorf("ozfake: serving on %s stopped: %w", ln.Addr(), err)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
			if hs.Shutdown(sctx) != nil {
				_ = hs.Close()
			}
			cancel()
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.serveErr = fmt.Errorf("ozfake: serving on %s stopped: %w", ln.Addr(), err)
			}
		}
	}()
	return s, baseURL(ln.Addr()), nil
}

// Wait blocks until a server started by Serve has stopped (its context
// ended) and returns what stopped it unexpectedly, if anything. For a
// server made by New it returns nil at once.
func (s *Server) Wait() error {
	if s.served == nil {
		return nil
	}
	<-s.served
	return s.serveErr
}

// baseURL is the API's base URL on addr; an unspecified host (0.0.0.0, ::)
// is reached through 127.0.0.1.
func baseURL(addr net.Addr) string {
	host, port := "127.0.0.1", ""
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
		if !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		}
	}
	return "http://" + net.JoinHostPort(host, port) + BasePath
}

// logWriter sends net/http's own error lines to logf.
type logWriter func(string, ...any)

func (l logWriter) Write(p []byte) (int, error) {
	l("ozfake: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
