package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/oz-run/oz-run-action/internal/oz"
	"github.com/oz-run/oz-run-action/internal/ozfake"
)

// recorder serves the fake API (and its file server, on the same host) and
// timestamps what the bench measures: the first request it receives, each
// run's create, each status read, the moment it first answers a run's
// terminal state, its conversation reads, and the last answer of all.
type recorder struct {
	fake *ozfake.Server

	mu    sync.Mutex
	first time.Time // the first request since reset
	last  time.Time // when the last answer (any request) was written
	runs  map[string]*runRecord
}

// runRecord is what the recorder saw of one run.
type runRecord struct {
	created       time.Time // when the create request arrived
	gets          int       // status reads
	terminal      time.Time // when the first terminal state was answered
	conversations int       // conversation reads
}

// serveRecorder serves a fake made with opts on loopback until ctx ends.
func serveRecorder(ctx context.Context, opts ...ozfake.Option) (*recorder, string, error) {
	rc := &recorder{fake: ozfake.New(append([]ozfake.Option{ozfake.WithAPIKey(benchKey)}, opts...)...), runs: map[string]*runRecord{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listening on loopback: %w", err)
	}
	hs := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	return rc, "http://" + ln.Addr().String() + ozfake.BasePath, nil
}

// reset forgets the first request (the next one becomes it).
func (rc *recorder) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.first = time.Time{}
}

// firstRequest is when the first request since reset arrived.
func (rc *recorder) firstRequest() time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.first
}

// lastAnswer is when the last answer to any request was written.
func (rc *recorder) lastAnswer() time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.last
}

// run returns a copy of what was seen of run id.
func (rc *recorder) run(id string) (runRecord, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.runs[id]
	if !ok {
		return runRecord{}, false
	}
	return *r, true
}

// runIDs are the runs created, in no order.
func (rc *recorder) runIDs() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ids []string
	for id := range rc.runs {
		ids = append(ids, id)
	}
	return ids
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	rc.mu.Lock()
	if rc.first.IsZero() {
		rc.first = arrived
	}
	rc.mu.Unlock()

	bw := &ozfake.Recorder{ResponseWriter: w, Keep: 1 << 20} // bodies here are small
	rc.fake.ServeHTTP(bw, r)
	answered := time.Now()
	rc.mu.Lock()
	rc.last = answered
	rc.mu.Unlock()

	runs := ozfake.BasePath + "/agent/runs"
	switch {
	case r.Method == http.MethodPost && r.URL.Path == runs:
		var resp struct {
			RunID string `json:"run_id"`
		}
		if json.Unmarshal(bw.Body, &resp) == nil && resp.RunID != "" {
			rc.mu.Lock()
			rc.record(resp.RunID).created = arrived
			rc.mu.Unlock()
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, runs+"/") && strings.HasSuffix(r.URL.Path, "/conversation"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, runs+"/"), "/conversation")
		rc.mu.Lock()
		rc.record(id).conversations++
		rc.mu.Unlock()
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, runs+"/"):
		id := strings.TrimPrefix(r.URL.Path, runs+"/")
		var run struct {
			State oz.State `json:"state"`
		}
		_ = json.Unmarshal(bw.Body, &run)
		rc.mu.Lock()
		rec := rc.record(id)
		rec.gets++
		if bw.Status == http.StatusOK && run.State != "" && run.State.IsTerminal() && rec.terminal.IsZero() {
			rec.terminal = answered
		}
		rc.mu.Unlock()
	}
}

// record is run id's record; rc.mu is held.
func (rc *recorder) record(id string) *runRecord {
	r, ok := rc.runs[id]
	if !ok {
		r = &runRecord{}
		rc.runs[id] = r
	}
	return r
}
