package oz

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hostileBody is a 16 MiB answer of one kind, built on demand (so that a
// test holds one at a time: the heap measured is then the decoder's).
type hostileBody struct {
	name   string
	conv   bool // a conversation (else a run or a list)
	build  func() []byte
	decode func([]byte) error
}

// hostileBodies are answers as large as the body cap lets through, each
// putting its bulk into another field.
func hostileBodies() []hostileBody {
	const size = maxBody - 1024
	fill := func(prefix, unit, suffix string) func() []byte {
		return func() []byte {
			var b bytes.Buffer
			b.Grow(size + len(unit) + len(suffix))
			b.WriteString(prefix)
			for i := 0; b.Len() < size; i++ {
				b.WriteString(strings.ReplaceAll(unit, "#", strconv.Itoa(i)))
			}
			b.WriteString(suffix)
			return b.Bytes()
		}
	}
	run := func(b []byte) error { _, err := decodeRun(b); return err }
	list := func(b []byte) error { _, err := decodeList(bytes.NewReader(b)); return err }
	conv := func(b []byte) error { _, err := decodeConversation(bytes.NewReader(b)); return err }
	return []hostileBody{
		{"run: 16 MiB status message", false, fill(`{"run_id":"r","state":"FAILED","status_message":{"message":"`, `\u0041x\n`, `"}}`), run},
		{"run: 16 MiB session link", false, fill(`{"run_id":"r","state":"FAILED","session_link":"https://x/`, "a", `","title":"t"}`), run},
		{"run: 16 MiB of pull-request artifacts", false, fill(`{"run_id":"r","state":"SUCCEEDED","artifacts":[`,
			`{"artifact_type":"PULL_REQUEST","data":{"url":"https://github.com/o/r/pull/#","branch":"b"}},`, `{}]}`), run},
		{"run: one 16 MiB artifact", false, fill(`{"run_id":"r","state":"SUCCEEDED","artifacts":[{"artifact_type":"FILE","data":{"d":[`, `"xxxxxxxxxxxxxxxxxxxx",`, `1]}}]}`), run},
		{"run: 16 MiB of metadata", false, fill(`{"run_id":"r","state":"SUCCEEDED","metadata":{`, `"k#":"`+strings.Repeat("v", 200)+`",`, `"z":"z"}}`), run},
		{"run: 16 MiB deep nesting", false, fill(`{"run_id":"r","state":"QUEUED","x":`, `[`, ``), func(b []byte) error {
			if err := run(b); !errors.Is(err, errSyntax) {
				return fmt.Errorf("want a syntax error, got %v", err)
			}
			return nil
		}},
		{"list: 16 MiB of tiny runs", false, fill(`{"runs":[`, `{"run_id":"r#","state":"QUEUED"},`, `{}]}`), list},
		{"conversation: one 16 MiB text", true, fill(`{"conversation_id":"c","steps":[{"id":"s","messages":[{"role":"assistant","content":[{"type":"text","text":"`, `word é `, `"}]}],"steps":[]}]}`), conv},
		{"conversation: 16 MiB of tiny messages", true, fill(`{"conversation_id":"c","steps":[{"id":"s","messages":[`,
			`{"role":"assistant","content":[{"type":"text","text":"hi #"}]},`, `{"role":"user","content":[]}],"steps":[]}]}`), conv},
		{"conversation: 16 MiB of action output", true, fill(`{"conversation_id":"c","steps":[{"id":"s","messages":[{"role":"tool","content":[{"type":"action_result","output":{"stdout":"`, "x", `"}}]}],"steps":[]}]}`), conv},
		{"conversation: 16 MiB of root steps", true, fill(`{"conversation_id":"c","steps":[`, `{"id":"s#","messages":[],"steps":[]},`, `{}]}`), conv},
		{"conversation: 16 MiB of nested steps", true, fill(`{"conversation_id":"c","steps":[{"id":"s","messages":[],"steps":[`, `{"id":"n#","messages":[{"role":"assistant","content":[{"type":"text","text":"sub"}]}],"steps":[]},`, `{}]}]}`), conv},
	}
}

// measure runs f while sampling the heap. peak is the most the heap held
// above what it held before (garbage not yet collected included, as the
// process's memory would), kept is what f's result still holds once
// collected (keep must reference it), total is what f allocated in all.
func measure(f func() (keep any)) (peak, kept, total uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var top atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > top.Load() {
				top.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	result := f()
	close(done)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(top.Load(), after.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
	total = after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		kept = after.HeapAlloc - before.HeapAlloc
	}
	runtime.KeepAlive(result)
	return peak, kept, total
}

// TestHugeBodiesStayBounded: decoding any answer the 16 MiB body cap lets
// through keeps a few MiB at most and never makes a copy of the body per
// field: the heap above the body itself stays within the collector's usual
// slack. Not parallel: it measures the heap.
func TestHugeBodiesStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 16 MiB bodies")
	}
	const (
		keptBound = 8 << 20  // what a decoded answer holds
		peakBound = 40 << 20 // above the 16 MiB body the test holds
	)
	for _, hb := range hostileBodies() {
		body := hb.build()
		var err error
		peak, kept, total := measure(func() any {
			err = hb.decode(body)
			return nil
		})
		t.Logf("%-40s %4.1f MiB: peak +%5.2f MiB, kept %5.2f MiB, allocated %6.2f MiB", hb.name, mib(uint64(len(body))), mib(peak), mib(kept), mib(total))
		switch {
		case err != nil:
			t.Errorf("%s: %v", hb.name, err)
		case peak > peakBound:
			t.Errorf("%s: peak heap +%.1f MiB, want under %.0f MiB", hb.name, mib(peak), mib(peakBound))
		case kept > keptBound:
			t.Errorf("%s: %.1f MiB kept, want under %.0f MiB", hb.name, mib(kept), mib(keptBound))
		}
	}
}

// TestHugeBodiesOverHTTP: the whole call, with the body read from the
// network, stays well under the bound of 100 MiB: answers are
// decoded as they stream in, so the body is never held whole.
func TestHugeBodiesOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 16 MiB bodies")
	}
	for _, hb := range hostileBodies() {
		if !strings.Contains(hb.name, "status message") && !strings.Contains(hb.name, "artifacts") && !hb.conv {
			continue
		}
		s := newStub(t, reply{status: 200, body: string(hb.build())})
		c, _ := testClient(t, s, WithRequestTimeout(5*time.Minute)) // -race on a busy machine is slow: one attempt, whatever it takes
		var err error
		peak, kept, total := measure(func() any {
			var v any
			if hb.conv {
				v, err = c.GetConversation(t.Context(), "run-1")
			} else {
				v, err = c.GetRun(t.Context(), "run-1")
			}
			return v
		})
		t.Logf("%-40s over HTTP: peak %5.2f MiB, kept %5.2f MiB, allocated %6.2f MiB", hb.name, mib(peak), mib(kept), mib(total))
		const limit = 16 << 20 // less than the body itself
		if err != nil {
			t.Errorf("%s: %v", hb.name, err)
		} else if peak > limit {
			t.Errorf("%s: peak heap %.1f MiB, want under %.0f MiB", hb.name, mib(peak), mib(limit))
		}
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// BenchmarkDecodeHugeConversation reports the heap held while a 16 MiB
// conversation is decoded from a stream.
func BenchmarkDecodeHugeConversation(b *testing.B) {
	for _, hb := range hostileBodies() {
		if !hb.conv {
			continue
		}
		body := hb.build()
		b.Run(hb.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			var peak uint64
			for b.Loop() {
				p, _, _ := measure(func() any { c, _ := decodeConversation(bytes.NewReader(body)); return c })
				peak = max(peak, p)
			}
			b.ReportMetric(mib(peak), "peak-MiB")
		})
	}
}
