// Package ozfaketest holds what only tests and the bench throw at a client
// through the fake Oz API (package ozfake): faults injected on chosen calls
// (Fault, given to ozfake.Server.Inject) and hostile run bodies. The fake
// that `oz-run demo` and `oz-run fake-server` run links none of it.
//
// It does not import ozfake, so that ozfake's own tests can use it.
package ozfaketest
