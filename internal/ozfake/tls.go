package ozfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// WithTLS makes Serve serve HTTPS with cert (the API and the file server
// both); the base URL it returns then starts with https://. oz-run refuses
// plain http to a host that is not loopback, so a fake reached over a
// network (a container on a Docker bridge) needs it.
func WithTLS(cert tls.Certificate) Option { return func(s *Server) { s.tlsCert = &cert } }

// SelfSignedCert returns a fresh self-signed certificate for hosts (IP
// addresses and DNS names): ECDSA P-256, valid from a minute ago for
// validity, usable by a server and as its own root. pemCert is the
// certificate in PEM, for a client to trust (a Go program reads the file
// that SSL_CERT_FILE names; curl takes --cacert). The private key never
// leaves memory.
func SelfSignedCert(hosts []string, validity time.Duration) (cert tls.Certificate, pemCert []byte, err error) {
	if len(hosts) == 0 {
		return tls.Certificate{}, nil, errors.New("ozfake: a certificate needs at least one host")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ozfake: making a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ozfake: making a serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "oz-run fake-server", Organization: []string{"oz-run (testing only)"}},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ozfake: making the certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("ozfake: reading the certificate back: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// tlsListener wraps ln in TLS when the server has a certificate.
func (s *Server) tlsListener(ln net.Listener) net.Listener {
	if s.tlsCert == nil {
		return ln
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*s.tlsCert}, MinVersion: tls.VersionTLS12})
}

// scheme is the base URLs' scheme.
func (s *Server) scheme() string {
	if s.tlsCert == nil {
		return "http"
	}
	return "https"
}
