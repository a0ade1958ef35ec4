// Package publish turns loaded OpenAPI documents into the gateway
// configuration they imply (Render) and compares that desired state with what
// a gateway serves (Diff). Both are pure functions of their inputs: the CLI
// loads the specs and the live config, publish only computes.
//
// Render takes its own Options rather than the gwctl.yaml types so that it
// depends on nothing but the spec model and the gateway contract; the CLI maps
// the project file (and flags) onto Options.
package publish

import (
	"os"
	"time"

	"github.com/gwctl/gwctl/gateway/config"
)

// Options is everything Render needs besides the specs.
type Options struct {
	// Owner is the name this repo publishes under (required).
	Owner string
	// Services holds per-service settings, keyed by service name (info.x-service,
	// else the spec file's base name).
	Services map[string]ServiceOptions
	// Auth configures the JWT and basic-auth providers, keyed by the name of
	// the securitySchemes entry.
	Auth Auth
	// Defaults apply to every route of the owner unless an x-gateway
	// extension says otherwise.
	Defaults Defaults
	// Mock makes routes answer from the spec's examples instead of proxying.
	Mock MockMode
	// BaseDir resolves relative key file paths (the gwctl.yaml directory);
	// empty means the working directory.
	BaseDir string
	// Getenv reads the environment variables that hold secrets (nil: os.Getenv).
	Getenv func(string) string
	// ReadFile reads key files (nil: os.ReadFile).
	ReadFile func(string) ([]byte, error)
}

// MockMode says which routes answer from examples.
type MockMode int

const (
	// MockOff: every service needs an upstream.
	MockOff MockMode = iota
	// MockMissing: routes of services with no upstream answer from examples
	// (what `gwctl dev` does by default).
	MockMissing
	// MockAll: every route answers from examples.
	MockAll
)

// ServiceOptions are the per-service settings of gwctl.yaml (or --upstream).
type ServiceOptions struct {
	// Upstream URLs; when set they win over x-gateway.upstream in the spec.
	Upstream        []string
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	// StripPrefix and AddPrefix apply to every route of the service unless
	// an x-gateway extension sets them.
	StripPrefix string
	AddPrefix   string
}

// Auth holds the provider settings that an OpenAPI securitySchemes entry
// cannot carry (issuers, keys, realms), by scheme name.
type Auth struct {
	JWT   map[string]JWT
	Basic map[string]Basic
}

// JWT configures one bearer/oauth2/openIdConnect scheme.
type JWT struct {
	Issuer    string
	Audiences []string
	// Algorithms allowed; when empty they are inferred from the keys (RSA →
	// RS256, P-256 → ES256, Ed25519 → EdDSA, a secret → HS256).
	Algorithms []string
	// PublicKeyFiles are PEM files (public keys or certificates).
	PublicKeyFiles []string
	// JWKSFile is a JSON Web Key Set, embedded into the config.
	JWKSFile string
	// SecretEnv names the environment variable holding the HMAC secret.
	SecretEnv   string
	ScopesClaim string
	// PublicKeys (PEM text) and Secret are given directly by programs such
	// as `gwctl dev`; they are used in addition to the files.
	PublicKeys []string
	Secret     string
}

// Basic configures one http basic scheme.
type Basic struct {
	Realm string
}

// Defaults are owner-wide gateway settings.
type Defaults struct {
	// Timeouts become the service timeouts of services that set none.
	Timeouts    *config.Timeouts
	RateLimit   *config.RateLimit
	MaxBodySize *int64
	CORS        *config.CORS
}

func (o *Options) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

func (o *Options) readFile(p string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile(p)
	}
	return os.ReadFile(p)
}
