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

// Serve: the fake (and its file server) on a listener, until ctx ends.

// shutdownGrace is how long answers in flight get once Serve's context ends.
const shutdownGrace = time.Second

// Serve starts a fake on addr (such as "127.0.0.1:0") and serves until ctx
// ends. It returns the server and the API's base URL, ending in /api/v1.
// The file server (Files), which download URLs point at, listens beside it
// on another port of the same host: another origin, as cloud storage is.
// Wait blocks until the serving has stopped.
func Serve(ctx context.Context, addr string, opts ...Option) (*Server, string, error) {
	s := New(opts...)
	lc := &net.ListenConfig{}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("ozfake: listen on %s: %w (give a free host:port, or port 0 for any free one)", addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	fln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		_ = ln.Close()
		return nil, "", fmt.Errorf("ozfake: listen for the file server on %s: %w", host, err)
	}
	api := baseURL(s.scheme(), ln.Addr())
	s.SetFilesURL(strings.TrimSuffix(baseURL(s.scheme(), fln.Addr()), BasePath))
	errorLog := log.New(io.Discard, "", 0)
	if s.logf != nil {
		errorLog = log.New(logWriter(s.logf), "", 0)
	}
	servers := []*http.Server{
		{Handler: s, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }, ErrorLog: errorLog},
		{Handler: s.Files(), ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }, ErrorLog: errorLog},
	}
	listeners := []net.Listener{s.tlsListener(ln), s.tlsListener(fln)}
	s.served = make(chan struct{})
	type stopped struct {
		i   int
		err error
	}
	errc := make(chan stopped, len(servers))
	for i, hs := range servers {
		go func() { errc <- stopped{i, hs.Serve(listeners[i])} }()
	}
	go func() {
		defer close(s.served)
		running := len(servers)
		select {
		case st := <-errc: // stopped by itself
			running--
			s.serveErr = fmt.Errorf("ozfake: serving on %s stopped: %w", listeners[st.i].Addr(), st.err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		for _, hs := range servers {
			if hs.Shutdown(sctx) != nil {
				_ = hs.Close()
			}
		}
		for ; running > 0; running-- {
			if st := <-errc; st.err != nil && !errors.Is(st.err, http.ErrServerClosed) && s.serveErr == nil {
				s.serveErr = fmt.Errorf("ozfake: serving on %s stopped: %w", listeners[st.i].Addr(), st.err)
			}
		}
	}()
	return s, api, nil
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
func baseURL(scheme string, addr net.Addr) string {
	host, port := "127.0.0.1", ""
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = fmt.Sprint(ta.Port)
		if !ta.IP.IsUnspecified() {
			host = ta.IP.String()
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port) + BasePath
}

// logWriter sends net/http's own error lines to logf.
type logWriter func(string, ...any)

func (l logWriter) Write(p []byte) (int, error) {
	l("ozfake: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
