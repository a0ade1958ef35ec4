// Package e2e holds only tests: render → diff → publish → rollback →
// consumers → dev with the real gwctl binary (built once in TestMain)
// against the real bundled gateway (`gwctl gateway`) on 127.0.0.1 ports,
// with httptest upstreams that record exactly what they receive; and the
// publish benchmarks at 10,000 routes.
package e2e
