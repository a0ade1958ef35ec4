// Package config reads the project configuration, gwctl.yaml: which spec
// files make up the project, the lint ruleset, and what publishing needs that
// the specs cannot carry (owner, gateway, upstreams, auth settings, defaults,
// environments).
//
// The file is validated against a JSON Schema that ships in the binary
// (schema.json, draft 2020-12). Every problem is reported like a compiler
// would, at the line and column of the key or value concerned:
//
//	gwctl.yaml:7:3: unknown key "rulez" in ruleset; did you mean "rules"?
//
// Unknown keys, wrong types, bad durations and URLs, unknown rule ids and
// exceptions without a reason are all errors. Load returns every problem of a
// file at once, as spec.Errors, sorted by position.
//
// The shape, with every key optional:
//
//	specs: [specs/*.yaml, "services/**/openapi.yaml"]   # globs relative to this file's directory
//	ruleset:
//	  extends: [recommended]          # recommended | strict | a local ruleset file (same shape as `ruleset`)
//	  rules:
//	    path-collection-plural: off   # a severity: error, warn, info, hint, off
//	    property-casing: {severity: error, options: {style: snake}}
//	  exceptions:
//	    - files: ["legacy/*.yaml"]      # spec file globs, relative to this file's directory (optional)
//	      paths: ["/v1/legacy/**"]      # API path globs (optional)
//	      rules: [path-segments-kebab-case]
//	      reason: "migrating in Q3"     # required
//	owner: shop-team
//	gateway: {url: "http://127.0.0.1:8001", tokenEnv: GWCTL_TOKEN}
//	services:
//	  orders: {upstream: "http://127.0.0.1:9001", connectTimeout: 2s, responseTimeout: 10s, stripPrefix: "", addPrefix: ""}
//	auth:
//	  jwt:
//	    bearerAuth: {issuer: "https://id.example.com", audiences: [shop], algorithms: [RS256], publicKeyFiles: [keys/jwt.pem], scopesClaim: scope}
//	  basic:
//	    basicAuth: {realm: shop}
//	defaults: {timeouts: {connect: 2s, response: 30s}, rateLimit: {requests: 100, window: 1m, by: consumer}, maxBodySize: 1048576, cors: {allowOrigins: ["https://shop.example.com"]}}
//	environments:
//	  staging: {gateway: {url: "https://gw.staging.example.com"}, services: {orders: {upstream: "http://orders.staging:9001"}}}
//
// When the top-level ruleset names no `extends`, it extends `recommended`; a
// local ruleset file without `extends` starts from nothing (so it can be
// layered on top of `strict` without resetting it).
package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// FileName is the name Find looks for.
const FileName = "gwctl.yaml"

// ErrNotFound is returned by Find when no gwctl.yaml exists in the directory
// or its parents.
var ErrNotFound = errors.New("no " + FileName + " found in this directory or its parents")

// BuiltinRulesets are the ruleset names `extends` accepts besides files. They
// must match the rulesets the rules package provides (a test in the CLI
// checks this).
var BuiltinRulesets = []string{"recommended", "strict"}

// Project is a loaded gwctl.yaml.
type Project struct {
	// Path is the absolute path of the file, Dir its directory. Spec globs,
	// exception file globs, ruleset files and key files are relative to Dir.
	Path string
	Dir  string
	// Name is the file as shown in messages (relative to the working
	// directory when below it).
	Name string

	// Specs are the spec file globs as written; SpecFiles expands them.
	Specs []string
	// Ruleset is the lint configuration; never nil after Load.
	Ruleset *Ruleset
	// Owner is the name this repository publishes its routes under.
	Owner    string
	Gateway  Gateway
	Services map[string]Service
	Auth     Auth
	Defaults Defaults
	// Environments are named overrides applied by ForEnv.
	Environments map[string]Environment
	// Env is the environment ForEnv applied ("" when none).
	Env string

	specPos []spec.Position
}

// Gateway is where the gateway's admin API is and which environment
// variable holds its token. The token itself is never written in the file.
type Gateway struct {
	URL      string
	TokenEnv string
}

// Token reads the admin token from the environment variable TokenEnv ("" if
// unset or no variable is named).
func (g Gateway) Token() string {
	if g.TokenEnv == "" {
		return ""
	}
	return os.Getenv(g.TokenEnv)
}

// Service is the gateway-side settings of one service, named by the spec's
// info.x-service or else the spec file's base name.
type Service struct {
	Upstream        string
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	StripPrefix     string
	AddPrefix       string
}

// Auth holds the settings securitySchemes cannot carry, by scheme name.
type Auth struct {
	JWT   map[string]JWT
	Basic map[string]Basic
}

// JWT configures validation for a bearer JWT, oauth2 or openIdConnect scheme.
// PublicKeyFiles and JWKSFile are made absolute (relative to Project.Dir) by
// Load.
type JWT struct {
	Issuer         string
	Audiences      []string
	Algorithms     []string
	PublicKeyFiles []string
	JWKSFile       string
	// SecretEnv names the environment variable holding an HMAC secret.
	SecretEnv   string
	ScopesClaim string
}

// Basic configures an http basic scheme.
type Basic struct {
	Realm string
}

// Defaults apply to every route unless a spec's x-gateway says otherwise.
type Defaults struct {
	Timeouts    Timeouts
	RateLimit   RateLimit
	MaxBodySize int64
	CORS        CORS
}

// Timeouts are upstream timeouts.
type Timeouts struct {
	Connect  time.Duration
	Response time.Duration
}

// RateLimit allows Requests per Window, counted By "consumer" or "ip".
type RateLimit struct {
	Requests int
	Window   time.Duration
	By       string
}

// CORS settings.
type CORS struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	AllowCredentials bool
	MaxAge           time.Duration
}

// Environment overrides the gateway and services for one --env NAME. Only
// the fields it sets (non-zero) replace the base values.
type Environment struct {
	Gateway  Gateway
	Services map[string]Service
}

// Ruleset says which rules run, how, and where they do not apply. It is the
// shape of the `ruleset` key and of a local ruleset file.
type Ruleset struct {
	// File is the display name of the file the ruleset was read from.
	File       string
	Extends    []Extend
	Rules      map[string]RuleSetting
	Exceptions []Exception
}

// Extend is one entry of `extends`: a built-in ruleset or a loaded file.
type Extend struct {
	Name    string   // as written
	Builtin string   // "recommended" or "strict"; "" for a file
	Ruleset *Ruleset // the loaded file, when not built in
	Pos     spec.Position
}

// RuleSetting is one entry of `rules`.
type RuleSetting struct {
	// Severity is set when SeveritySet; `{options: …}` alone keeps the
	// inherited severity.
	Severity    rule.Severity
	SeveritySet bool
	// Options as written, with JSON-like values (string, bool, json.Number,
	// []any, map[string]any, nil); the engine checks and converts them
	// against the rule's declared options.
	Options map[string]any
	// OptionPos is where each option is written.
	OptionPos map[string]spec.Position
	Pos       spec.Position
}

// Exception turns rules off for some spec files and/or API paths, with a
// reason. With neither Files nor Paths it applies everywhere.
type Exception struct {
	Files  []string // spec file globs, relative to Project.Dir
	Paths  []string // API path globs (the path keys, e.g. /v1/legacy/**)
	Rules  []string
	Reason string
	Pos    spec.Position
}

// Find looks for gwctl.yaml in dir and its parents, stopping after the
// directory that holds .git (the repository root) so a stray file above the
// repository is never picked up. It returns ErrNotFound when there is none.
func Find(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, FileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "", ErrNotFound
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}

// ForEnv returns a copy of the project with environment name applied: its
// gateway fields and per-service fields replace the base ones where set.
// An empty name returns the project unchanged.
func (p *Project) ForEnv(name string) (*Project, error) {
	if name == "" {
		return p, nil
	}
	env, ok := p.Environments[name]
	if !ok {
		names := make([]string, 0, len(p.Environments))
		for n := range p.Environments {
			names = append(names, n)
		}
		slices.Sort(names)
		msg := "unknown environment " + quote(name) + " in " + p.Name
		if len(names) == 0 {
			msg += " (it defines no environments)"
		} else {
			msg += " (defined: " + joinQuoted(names) + ")"
		}
		return nil, &spec.Error{Pos: spec.Position{File: p.Name}, Msg: msg}
	}
	q := *p
	q.Env = name
	if env.Gateway.URL != "" {
		q.Gateway.URL = env.Gateway.URL
	}
	if env.Gateway.TokenEnv != "" {
		q.Gateway.TokenEnv = env.Gateway.TokenEnv
	}
	q.Services = make(map[string]Service, len(p.Services)+len(env.Services))
	for k, v := range p.Services {
		q.Services[k] = v
	}
	for k, o := range env.Services {
		s := q.Services[k]
		if o.Upstream != "" {
			s.Upstream = o.Upstream
		}
		if o.ConnectTimeout != 0 {
			s.ConnectTimeout = o.ConnectTimeout
		}
		if o.ResponseTimeout != 0 {
			s.ResponseTimeout = o.ResponseTimeout
		}
		if o.StripPrefix != "" {
			s.StripPrefix = o.StripPrefix
		}
		if o.AddPrefix != "" {
			s.AddPrefix = o.AddPrefix
		}
		q.Services[k] = s
	}
	return &q, nil
}

// SpecFiles expands Specs into the files they match: absolute paths, sorted,
// without duplicates. A pattern without wildcards must name an existing file
// or directory (a directory is passed on as is, for spec.Load to search).
// Hidden directories, node_modules and vendor are not searched by `**`. It is
// an error when the patterns match nothing at all.
func (p *Project) SpecFiles() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	var errs spec.Errors
	for i, pat := range p.Specs {
		pos := spec.Position{File: p.Name}
		if i < len(p.specPos) {
			pos = p.specPos[i]
		}
		matches, err := Glob(p.Dir, pat)
		if err != nil {
			errs = append(errs, &spec.Error{Pos: pos, Msg: "specs: " + err.Error()})
			continue
		}
		if len(matches) == 0 && !hasMeta(pat) {
			errs = append(errs, &spec.Error{Pos: pos, Msg: "specs: " + quote(pat) + " does not exist (relative to " + displayDir(p.Dir) + ")"})
			continue
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(out) == 0 {
		pos := spec.Position{File: p.Name}
		if len(p.specPos) > 0 {
			pos = p.specPos[0]
		}
		if len(p.Specs) == 0 {
			return nil, &spec.Error{Pos: pos, Msg: "no spec files: list them under `specs:`"}
		}
		return nil, &spec.Error{Pos: pos, Msg: "specs: the patterns match no files (relative to " + displayDir(p.Dir) + ")"}
	}
	slices.Sort(out)
	return out, nil
}

// displayDir shows a directory relative to the working directory when it is
// below it.
func displayDir(dir string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, dir); err == nil && !startsWithDotDot(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(dir)
}
