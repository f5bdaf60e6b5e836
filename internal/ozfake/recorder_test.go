package ozfake

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		keep   int
		status int // written; 0: none
		want   string
	}{{0, 0, ""}, {3, 0, "hel"}, {100, http.StatusTeapot, "hello world"}} {
		w := httptest.NewRecorder()
		rec := &Recorder{ResponseWriter: w, Keep: tc.keep}
		if tc.status != 0 {
			rec.WriteHeader(tc.status)
			rec.WriteHeader(http.StatusOK) // the first status stands
		}
		_, err := rec.Write([]byte("hello"))
		require.NoError(t, err)
		_, err = rec.Write([]byte(" world"))
		require.NoError(t, err)
		want := tc.status
		if want == 0 {
			want = http.StatusOK
		}
		assert.Equal(t, want, rec.Status)
		assert.Equal(t, tc.want, string(rec.Body))
		assert.Equal(t, "hello world", w.Body.String(), "the whole answer passes")
		assert.Same(t, w, rec.Unwrap())
	}
}

// Count counts every request of a route, beyond the cap on kept requests.
func TestCount(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	id := f.create("hello")
	f.get(id)
	f.get(id)
	f.srv.mu.Lock()
	f.srv.reqCap = 1
	f.srv.mu.Unlock()
	f.get(id)
	assert.Equal(t, 1, f.srv.Count(routeCreate))
	assert.Equal(t, 3, f.srv.Count(routeGet))
	assert.Zero(t, f.srv.Count(routeCancel))
}
