package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

var knownRules = []string{"path-collection-plural", "path-segments-kebab-case", "property-casing", "operation-summary"}

// writeFiles creates files (name → content) under a new temp dir, makes it
// the working directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

const fullConfig = `# a complete project config
specs: [specs/*.yaml, "services/**/openapi.yaml"]
ruleset:
  extends: [strict, rulesets/team.yaml]
  rules:
    path-collection-plural: off
    property-casing: {severity: error, options: {style: snake}}
    operation-summary: {options: {minLength: 10}}
  exceptions:
    - files: ["legacy/*.yaml"]
      paths: ["/v1/legacy/**"]
      rules: [path-segments-kebab-case]
      reason: "migrating in Q3"
owner: shop-team
gateway: {url: "http://127.0.0.1:8001", tokenEnv: GWCTL_TOKEN}
services:
  orders: {upstream: "http://127.0.0.1:9001", connectTimeout: 2s, responseTimeout: 10s, stripPrefix: /api, addPrefix: /internal}
auth:
  jwt:
    bearerAuth: {issuer: "https://id.example.com", audiences: [shop], algorithms: [RS256], publicKeyFiles: [keys/jwt.pem], jwksFile: "", secretEnv: "", scopesClaim: scope}
  basic:
    basicAuth: {realm: shop}
defaults: {timeouts: {connect: 2s, response: 30s}, rateLimit: {requests: 100, window: 1m, by: consumer}, maxBodySize: 1048576, cors: {allowOrigins: ["https://shop.example.com"], allowCredentials: true, maxAge: 10m}}
environments:
  staging:
    gateway: {url: "https://gw.staging.example.com", tokenEnv: STAGING_TOKEN}
    services: {orders: {upstream: "http://orders.staging:9001"}, billing: {upstream: "http://billing.staging:9002"}}
`

func TestLoadFull(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gwctl.yaml":         fullConfig,
		"rulesets/team.yaml": "rules:\n  operation-summary: warn\nexceptions:\n  - rules: [operation-summary]\n    reason: generated specs\n",
	})
	p, err := Load("gwctl.yaml", knownRules)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if p.Dir != dir || p.Path != filepath.Join(dir, "gwctl.yaml") || p.Name != "gwctl.yaml" {
		t.Errorf("Dir, Path, Name = %q, %q, %q", p.Dir, p.Path, p.Name)
	}
	if want := []string{"specs/*.yaml", "services/**/openapi.yaml"}; !reflect.DeepEqual(p.Specs, want) {
		t.Errorf("Specs = %q", p.Specs)
	}
	if p.Owner != "shop-team" || p.Gateway != (Gateway{URL: "http://127.0.0.1:8001", TokenEnv: "GWCTL_TOKEN"}) {
		t.Errorf("Owner, Gateway = %q, %+v", p.Owner, p.Gateway)
	}
	wantSvc := Service{Upstream: "http://127.0.0.1:9001", ConnectTimeout: 2 * time.Second, ResponseTimeout: 10 * time.Second, StripPrefix: "/api", AddPrefix: "/internal"}
	if p.Services["orders"] != wantSvc {
		t.Errorf("Services[orders] = %+v", p.Services["orders"])
	}
	jwt := p.Auth.JWT["bearerAuth"]
	if jwt.Issuer != "https://id.example.com" || !reflect.DeepEqual(jwt.Audiences, []string{"shop"}) ||
		!reflect.DeepEqual(jwt.Algorithms, []string{"RS256"}) || jwt.ScopesClaim != "scope" ||
		!reflect.DeepEqual(jwt.PublicKeyFiles, []string{filepath.Join(dir, "keys", "jwt.pem")}) || jwt.JWKSFile != "" {
		t.Errorf("Auth.JWT[bearerAuth] = %+v", jwt)
	}
	if p.Auth.Basic["basicAuth"].Realm != "shop" {
		t.Errorf("Auth.Basic = %+v", p.Auth.Basic)
	}
	wantDef := Defaults{
		Timeouts:    Timeouts{Connect: 2 * time.Second, Response: 30 * time.Second},
		RateLimit:   RateLimit{Requests: 100, Window: time.Minute, By: "consumer"},
		MaxBodySize: 1048576,
		CORS:        CORS{AllowOrigins: []string{"https://shop.example.com"}, AllowCredentials: true, MaxAge: 10 * time.Minute},
	}
	if !reflect.DeepEqual(p.Defaults, wantDef) {
		t.Errorf("Defaults = %+v", p.Defaults)
	}

	rs := p.Ruleset
	if len(rs.Extends) != 2 || rs.Extends[0].Builtin != "strict" || rs.Extends[1].Ruleset == nil {
		t.Fatalf("Extends = %+v", rs.Extends)
	}
	team := rs.Extends[1].Ruleset
	if team.File != "rulesets/team.yaml" || team.Rules["operation-summary"].Severity != rule.Warn || len(team.Exceptions) != 1 {
		t.Errorf("team ruleset = %+v", team)
	}
	if s := rs.Rules["path-collection-plural"]; !s.SeveritySet || s.Severity != rule.Off || s.Pos.Line != 6 {
		t.Errorf("rules[path-collection-plural] = %+v", s)
	}
	pc := rs.Rules["property-casing"]
	if pc.Severity != rule.Error || pc.Options["style"] != "snake" || pc.OptionPos["style"].Line != 7 {
		t.Errorf("rules[property-casing] = %+v", pc)
	}
	if os := rs.Rules["operation-summary"]; os.SeveritySet {
		t.Errorf("options-only setting must not set a severity: %+v", os)
	}
	wantEx := []Exception{{Files: []string{"legacy/*.yaml"}, Paths: []string{"/v1/legacy/**"}, Rules: []string{"path-segments-kebab-case"}, Reason: "migrating in Q3", Pos: spec.Position{File: "gwctl.yaml", Line: 10, Col: 7}}}
	if !reflect.DeepEqual(rs.Exceptions, wantEx) {
		t.Errorf("Exceptions = %+v", rs.Exceptions)
	}

	st, err := p.ForEnv("staging")
	if err != nil {
		t.Fatal(err)
	}
	if st.Gateway != (Gateway{URL: "https://gw.staging.example.com", TokenEnv: "STAGING_TOKEN"}) || st.Env != "staging" {
		t.Errorf("staging gateway = %+v", st.Gateway)
	}
	wantSt := wantSvc
	wantSt.Upstream = "http://orders.staging:9001"
	if st.Services["orders"] != wantSt || st.Services["billing"].Upstream != "http://billing.staging:9002" {
		t.Errorf("staging services = %+v", st.Services)
	}
	if p.Services["orders"] != wantSvc {
		t.Error("ForEnv changed the base project")
	}
	if _, err := p.ForEnv("prod"); err == nil || !strings.Contains(err.Error(), `unknown environment "prod" in gwctl.yaml (defined: "staging")`) {
		t.Errorf("ForEnv(prod) = %v", err)
	}
	if same, _ := p.ForEnv(""); same != p {
		t.Error("ForEnv(\"\") should return the project itself")
	}
}

func TestLoadDefaults(t *testing.T) {
	for _, content := range []string{"", "# nothing yet\n", "specs: [a.yaml]\n", "ruleset: {rules: {property-casing: warn}}\n"} {
		writeFiles(t, map[string]string{"gwctl.yaml": content})
		p, err := Load("gwctl.yaml", knownRules)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if len(p.Ruleset.Extends) != 1 || p.Ruleset.Extends[0].Builtin != "recommended" {
			t.Errorf("%q: a ruleset without extends must extend recommended, got %+v", content, p.Ruleset.Extends)
		}
	}
	writeFiles(t, map[string]string{"gwctl.yaml": "ruleset: {extends: []}\n"})
	p, err := Load("gwctl.yaml", knownRules)
	if err != nil || len(p.Ruleset.Extends) != 0 {
		t.Errorf("extends: [] must mean no base ruleset: %+v, %v", p, err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown key with its line", map[string]string{"gwctl.yaml": "specs: [a.yaml]\nruleset:\n  extends: [recommended]\n  rulez: {}\n"},
			[]string{`gwctl.yaml:4:3: unknown key "rulez" in ruleset; did you mean "rules"?`}},
		{"unknown top-level key", map[string]string{"gwctl.yaml": "spec: [a.yaml]\n"},
			[]string{`gwctl.yaml:1:1: unknown key "spec" in gwctl.yaml; did you mean "specs"?`}},
		{"unknown key, no close match", map[string]string{"gwctl.yaml": "gateway: {url: \"http://x\", colour: red}\n"},
			[]string{`gwctl.yaml:1:28: unknown key "colour" in gateway (known keys: tokenEnv, url)`}},
		{"literal token", map[string]string{"gwctl.yaml": "gateway:\n  url: http://127.0.0.1:8001\n  token: s3cret\n"},
			[]string{`gwctl.yaml:3:3: unknown key "token" in gateway; tokens are never written in gwctl.yaml: name the environment variable that holds it with tokenEnv`}},
		{"wrong type", map[string]string{"gwctl.yaml": "specs: a.yaml\n"},
			[]string{`gwctl.yaml:1:8: specs must be a list, got "a.yaml"`}},
		{"top level not a mapping", map[string]string{"gwctl.yaml": "- a\n- b\n"},
			[]string{`gwctl.yaml:1:1: the top level must be a mapping, got a list`}},
		{"bad severity", map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    property-casing: loud\n"},
			[]string{`gwctl.yaml:3:22: ruleset.rules.property-casing must be a severity (error, warn, info, hint, off) or a mapping {severity, options}, got "loud"`}},
		{"bad severity in object form", map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    property-casing: {severity: loud}\n"},
			[]string{`gwctl.yaml:3:33: ruleset.rules.property-casing.severity must be one of error, warn, warning, info, hint, off, got "loud"`}},
		{"unknown key in rule setting", map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    property-casing: {severity: warn, option: {}}\n"},
			[]string{`gwctl.yaml:3:39: unknown key "option" in ruleset.rules.property-casing; did you mean "options"?`}},
		{"unknown rule id", map[string]string{"gwctl.yaml": "ruleset:\n  rules:\n    property-casingg: warn\n    no-such-thing: off\n"},
			[]string{
				`gwctl.yaml:3:5: unknown rule "property-casingg" in ruleset.rules; did you mean "property-casing"?`,
				`gwctl.yaml:4:5: unknown rule "no-such-thing" in ruleset.rules; run 'gwctl rules' to list the rules`,
			}},
		{"missing exception reason", map[string]string{"gwctl.yaml": "ruleset:\n  exceptions:\n    - files: [legacy/*.yaml]\n      rules: [property-casing]\n"},
			[]string{`gwctl.yaml:3:7: missing required key "reason" in ruleset.exceptions[0]: every exception must say why it exists`}},
		{"blank exception reason", map[string]string{"gwctl.yaml": "ruleset:\n  exceptions:\n    - rules: [property-casing]\n      reason: \"  \"\n"},
			[]string{`gwctl.yaml:4:15: ruleset.exceptions[0].reason must say why the exception exists, got "  "`}},
		{"exception rules", map[string]string{"gwctl.yaml": "ruleset:\n  exceptions:\n    - paths: [v1/x]\n      rules: [nope]\n      reason: r\n"},
			[]string{
				`gwctl.yaml:3:15: API path glob "v1/x" must start with "/", as the keys under ` + "`paths:`" + ` do`,
				`gwctl.yaml:4:15: unknown rule "nope" in ruleset.exceptions[0].rules; run 'gwctl rules' to list the rules`,
			}},
		{"exception without rules", map[string]string{"gwctl.yaml": "ruleset:\n  exceptions:\n    - reason: r\n"},
			[]string{`gwctl.yaml:3:7: missing required key "rules" in ruleset.exceptions[0]`}},
		{"durations", map[string]string{"gwctl.yaml": "services:\n  orders: {upstream: \"http://o:1\", connectTimeout: 2 s, responseTimeout: -1s}\n"},
			[]string{
				`gwctl.yaml:2:52: invalid duration "2 s": write a number with a unit, such as 500ms, 2s, 1m or 1h30m`,
				`gwctl.yaml:2:74: duration "-1s" must not be negative`,
			}},
		{"duration of the wrong type", map[string]string{"gwctl.yaml": "defaults: {timeouts: {connect: 10}}\n"},
			[]string{`gwctl.yaml:1:32: defaults.timeouts.connect must be a duration such as 500ms, 2s or 1m, got the number 10`}},
		{"urls and env names", map[string]string{"gwctl.yaml": "gateway: {url: \"127.0.0.1:8001\", tokenEnv: \"my token\"}\n"},
			[]string{
				`gwctl.yaml:1:16: gateway.url must be an http:// or https:// URL, got "127.0.0.1:8001"`,
				`gwctl.yaml:1:44: gateway.tokenEnv must name an environment variable (letters, digits and _), never hold the secret itself, got "my token"`,
			}},
		{"enum and minimum", map[string]string{"gwctl.yaml": "defaults: {rateLimit: {requests: 0, by: user}}\n"},
			[]string{
				`gwctl.yaml:1:34: defaults.rateLimit.requests must be at least 1, got the number 0`,
				`gwctl.yaml:1:41: defaults.rateLimit.by must be one of consumer, ip, got "user"`,
			}},
		{"unknown builtin ruleset", map[string]string{"gwctl.yaml": "ruleset: {extends: [recomended]}\n"},
			[]string{`gwctl.yaml:1:21: unknown ruleset "recomended"; did you mean "recommended"?`}},
		{"missing ruleset file", map[string]string{"gwctl.yaml": "ruleset: {extends: [./team.yaml]}\n"},
			[]string{`gwctl.yaml:1:21: ruleset "./team.yaml": cannot read: no such file`}},
		{"ruleset cycle", map[string]string{
			"gwctl.yaml": "ruleset: {extends: [rs/a.yaml]}\n",
			"rs/a.yaml":  "extends: [b.yaml]\n",
			"rs/b.yaml":  "rules: {property-casing: warn}\nextends: [a.yaml]\n",
		}, []string{`rs/b.yaml:2:11: ruleset files extend each other in a cycle: rs/a.yaml → rs/b.yaml → rs/a.yaml`}},
		{"errors in a ruleset file", map[string]string{
			"gwctl.yaml": "ruleset: {extends: [team.yaml]}\n",
			"team.yaml":  "ruleset:\n  rules: {}\nrules:\n  property-casng: warn\n",
		}, []string{`team.yaml:1:1: unknown key "ruleset" in the ruleset file; did you mean "rules"?`}},
		{"unknown rule in a ruleset file", map[string]string{
			"gwctl.yaml": "ruleset: {extends: [team.yaml]}\n",
			"team.yaml":  "rules:\n  property-casng: warn\n",
		}, []string{`team.yaml:2:3: unknown rule "property-casng" in rules; did you mean "property-casing"?`}},
		{"invalid YAML", map[string]string{"gwctl.yaml": "specs: [a.yaml\nowner: x\n"},
			[]string{`gwctl.yaml:2:6: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 8)`}},
		{"malformed glob", map[string]string{"gwctl.yaml": "specs: [\"specs/[a.yaml\"]\n"},
			[]string{`gwctl.yaml:1:9: specs: malformed glob "specs/[a.yaml"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFiles(t, tt.files)
			_, err := Load("gwctl.yaml", knownRules)
			var es spec.Errors
			if err != nil && !errors.As(err, &es) {
				t.Errorf("error is %T, want spec.Errors", err)
			}
			if got := errLines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	writeFiles(t, nil)
	_, err := Load("missing.yaml", nil)
	if err == nil || err.Error() != "missing.yaml: cannot read: no such file" {
		t.Errorf("err = %v", err)
	}
}

func TestLoadNilKnownRulesSkipsCheck(t *testing.T) {
	writeFiles(t, map[string]string{"gwctl.yaml": "ruleset: {rules: {anything: warn}}\n"})
	if _, err := Load("gwctl.yaml", nil); err != nil {
		t.Errorf("nil knownRules must skip the rule id check: %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"repo/.git/HEAD":           "ref: x\n",
		"repo/gwctl.yaml":          "specs: []\n",
		"repo/services/orders/x":   "",
		"outer/gwctl.yaml":         "",
		"outer/repo2/.git/HEAD":    "",
		"outer/repo2/specs/a.yaml": "",
	})
	got, err := Find(filepath.Join(dir, "repo", "services", "orders"))
	if err != nil || got != filepath.Join(dir, "repo", "gwctl.yaml") {
		t.Errorf("Find in a subdirectory = %q, %v", got, err)
	}
	// The search stops at the repository root: outer/gwctl.yaml is not picked up.
	if got, err := Find(filepath.Join(dir, "outer", "repo2", "specs")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find past the repository root = %q, %v; want ErrNotFound", got, err)
	}
}

func TestSpecFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"gwctl.yaml":                        "specs: [\"specs/*.yaml\", \"services/**/openapi.yaml\", specs/orders.yaml]\n",
		"specs/orders.yaml":                 "",
		"specs/billing.yaml":                "",
		"specs/notes.txt":                   "",
		"services/a/openapi.yaml":           "",
		"services/b/c/openapi.yaml":         "",
		"services/.hidden/openapi.yaml":     "",
		"services/node_modules/openapi.yml": "",
	})
	p, err := Load("gwctl.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.SpecFiles()
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range got {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	want := []string{"services/a/openapi.yaml", "services/b/c/openapi.yaml", "specs/billing.yaml", "specs/orders.yaml"}
	if !reflect.DeepEqual(rel, want) {
		t.Errorf("SpecFiles = %q, want %q", rel, want)
	}

	writeFiles(t, map[string]string{"gwctl.yaml": "specs:\n  - specs/*.yaml\n  - missing.yaml\n"})
	p, _ = Load("gwctl.yaml", nil)
	if _, err := p.SpecFiles(); err == nil || err.Error() != `gwctl.yaml:3:5: specs: "missing.yaml" does not exist (relative to .)` {
		t.Errorf("SpecFiles with a missing file: %v", err)
	}
	writeFiles(t, map[string]string{"gwctl.yaml": "specs:\n  - specs/*.yaml\n"})
	p, _ = Load("gwctl.yaml", nil)
	if _, err := p.SpecFiles(); err == nil || err.Error() != `gwctl.yaml:2:5: specs: the patterns match no files (relative to .)` {
		t.Errorf("SpecFiles matching nothing: %v", err)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"legacy/*.yaml", "legacy/billing.yaml", true},
		{"legacy/*.yaml", "legacy/sub/billing.yaml", false},
		{"legacy/**", "legacy", true},
		{"legacy/**", "legacy/a/b.yaml", true},
		{"**/openapi.yaml", "openapi.yaml", true},
		{"**/openapi.yaml", "a/b/openapi.yaml", true},
		{"a/**/b/*.json", "a/x/y/b/c.json", true},
		{"a/**/b/*.json", "a/b/c.json", true},
		{"a/**/b/*.json", "a/b/c.yaml", false},
		{"/v1/legacy/**", "/v1/legacy", true},
		{"/v1/legacy/**", "/v1/legacy/{invoiceId}/lines", true},
		{"/v1/legacy/**", "/v1/legacyx", false},
		{"/v1/*/items", "/v1/{orderId}/items", true},
		{"/v1/orders/{orderId}", "/v1/orders/{orderId}", true},
		{"[", "[", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	ids := []string{"path-segments-kebab-case", "path-collection-plural", "property-casing"}
	for in, want := range map[string]string{
		"property-casng": "property-casing",
		"path-kebab":     "path-segments-kebab-case", "collection-plural": "path-collection-plural", "path-foo": "",
		"segments-kebab":         "path-segments-kebab-case",
		"completely-other":       "",
		"PATH-COLLECTION-PLURAL": "path-collection-plural",
	} {
		if got := Suggest(in, ids); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
