package runner

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oz-run/oz-run-action/internal/outcome"
)

// batchObserved records what a BatchObserver sees: a line a snapshot,
// each run as key=what (not-started, starting, its state while it works,
// its conclusion once ended).
type batchObserved struct {
	observed
	mu    sync.Mutex
	snaps []string
}

func (o *batchObserved) ObserveBatch(b outcome.Batch) {
	var parts []string
	for _, r := range b.Runs {
		what := "starting"
		switch {
		case r.NotStarted:
			what = "not-started"
		case !r.Result.Ended.IsZero():
			what = "ended:" + string(r.Conclusion())
		case r.Result.RunID != "":
			what = string(r.Result.State)
		}
		parts = append(parts, r.Key+"="+what)
	}
	line := strings.Join(parts, " ")
	if !b.Ended.IsZero() {
		line += " (ended?)"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.snaps = append(o.snaps, line)
}

func (o *batchObserved) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.snaps...)
}

// A batch's observers see it from its first run id to its last run's
// end, each snapshot different from the one before; a plain Sink hears
// nothing of a batch's runs.
func TestBatchObserversSeeProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spec    BatchSpec
		lastSaw string
	}{
		{"one at a time", batchSpec(1, "ok", "[fake:fail] x", "ok"),
			"k1=ended:succeeded k2=ended:failed k3=ended:succeeded"},
		{"all at once", batchSpec(3, "ok", "[fake:block] x", "[fake:cancel] x"),
			"k1=ended:succeeded k2=ended:blocked k3=ended:cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, client := batchFake(t)
			obs, plain := &batchObserved{}, &observed{}
			opts := fastOpts
			opts.Sinks = []Sink{plain, nil, obs}
			res := RunBatch(t.Context(), tt.spec, client, &logReporter{}, opts)
			require.Len(t, res.Runs, 3)
			snaps := obs.all()
			require.NotEmpty(t, snaps)
			// The first snapshot is taken once the first create has come
			// back: one run has an id and a state, nothing has ended.
			assert.Len(t, regexp.MustCompile(`=(QUEUED|PENDING|CLAIMED|INPROGRESS)\b`).FindAllString(snaps[0], -1), 1, snaps[0])
			assert.NotContains(t, snaps[0], "ended:")
			assert.Equal(t, tt.lastSaw, snaps[len(snaps)-1])
			for i := 1; i < len(snaps); i++ {
				assert.NotEqual(t, snaps[i-1], snaps[i], "snapshot %d repeats the one before", i)
			}
			if tt.spec.MaxParallel == 1 {
				// One at a time: k2 waits while k1 works, and starts once k1 has ended.
				assert.Contains(t, snaps[0], "k2=not-started k3=not-started")
			}
			for _, s := range snaps {
				assert.NotContains(t, s, "(ended?)", "a snapshot is of a batch still going")
			}
			assert.Empty(t, plain.all(), "a plain Sink is not told of a batch's runs")
		})
	}
}

// A batch whose every create fails shows its observers nothing: no run
// has an id, and the comment is left as it was.
func TestBatchObserversWithoutARun(t *testing.T) {
	t.Parallel()
	_, client := batchFake(t)
	obs := &batchObserved{}
	opts := fastOpts
	opts.Sinks = []Sink{obs}
	res := RunBatch(t.Context(), batchSpec(2, "[fake:explode] x", "[fake:explode] y"), client, &logReporter{}, opts)
	require.Len(t, res.Runs, 2)
	assert.Error(t, res.Runs[0].Result.Err)
	assert.Empty(t, obs.all())
}

// readLater is a BatchObserver that reads each snapshot whole (JSON) in
// a goroutine of its own while the batch goes on, as the PR comment
// renders it: under -race, the runner writes nothing a snapshot holds.
type readLater struct {
	observed
	wg sync.WaitGroup
	mu sync.Mutex
	n  int
}

func (o *readLater) ObserveBatch(b outcome.Batch) {
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for range 3 {
			data, err := json.Marshal(b)
			if err == nil && len(data) > 0 {
				o.mu.Lock()
				o.n++
				o.mu.Unlock()
			}
		}
	}()
}

func TestBatchSnapshotsReadLater(t *testing.T) {
	t.Parallel()
	_, client := batchFake(t)
	obs := &readLater{}
	opts := fastOpts
	opts.Sinks = []Sink{obs}
	res := RunBatch(t.Context(), batchSpec(2, "ok", "[fake:fail] x", "ok", "[fake:block] x"), client, &logReporter{}, opts)
	obs.wg.Wait()
	assert.Equal(t, "k1=succeeded k2=failed k3=succeeded k4=blocked", conclusions(res))
	assert.Positive(t, obs.n)
}
