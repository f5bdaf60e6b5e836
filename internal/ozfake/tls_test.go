package ozfake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fake served with WithTLS answers over HTTPS a client that trusts the
// certificate's PEM, and only such a client.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	cert, pemCert, err := SelfSignedCert([]string{"127.0.0.1", "localhost", "::1"}, time.Hour)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(pemCert), "-----BEGIN CERTIFICATE-----\n"))
	assert.Equal(t, []string{"localhost"}, cert.Leaf.DNSNames)
	assert.Len(t, cert.Leaf.IPAddresses, 2)
	assert.WithinDuration(t, time.Now().Add(time.Hour), cert.Leaf.NotAfter, time.Minute, "short-lived")

	ctx, cancel := context.WithCancel(context.Background())
	srv, base, err := Serve(ctx, "127.0.0.1:0", WithTLS(cert), WithAPIKey("wk-tls-test"))
	require.NoError(t, err)
	defer func() { cancel(); _ = srv.Wait() }()
	require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), base)

	get := func(c *http.Client) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, base+"/agent/runs", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer wk-tls-test")
		return c.Do(req)
	}
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(pemCert))
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	defer trusting.CloseIdleConnections()
	resp, err := get(trusting)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	other := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	defer other.CloseIdleConnections()
	_, err = get(other)
	require.Error(t, err, "a client that does not trust the certificate refuses it")
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, err, &unknown)
}

func TestSelfSignedCertNeedsAHost(t *testing.T) {
	t.Parallel()
	_, _, err := SelfSignedCert(nil, time.Hour)
	assert.Error(t, err)
}
