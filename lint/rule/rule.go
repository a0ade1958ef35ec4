// Package rule is what rules see and return: the Rule interface, its Meta,
// severities and findings. Rules read the shared spec model; they never parse.
package rule

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gwctl/gwctl/lint/spec"
)

// Severity orders findings; Off disables a rule.
type Severity int

const (
	Off Severity = iota
	Hint
	Info
	Warn
	Error
)

var sevNames = map[Severity]string{Off: "off", Hint: "hint", Info: "info", Warn: "warn", Error: "error"}

func (s Severity) String() string { return sevNames[s] }

// ParseSeverity reads "error", "warn" (or "warning"), "info", "hint", "off".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return Error, nil
	case "warn", "warning":
		return Warn, nil
	case "info":
		return Info, nil
	case "hint":
		return Hint, nil
	case "off":
		return Off, nil
	}
	return Off, fmt.Errorf("unknown severity %q (want error, warn, info, hint or off)", s)
}

// MarshalText writes the severity name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Scope says what a rule checks over: one document, or the whole set
// (cross-spec rules).
type Scope int

const (
	ScopeDocument Scope = iota
	ScopeSet
)

// Option documents one rule option and its default.
type Option struct {
	Name        string
	Default     any // string, bool, int/float64, []string or map[string]any
	Description string
}

// Meta is the data part of a rule.
type Meta struct {
	ID       string
	Summary  string // one line: what the rule wants
	Severity Severity
	Family   string // url, params, status, errors, shapes, naming, metadata, security, examples, xspec
	Options  []Option
	// Fix tells a user how to make the finding go away, in one or two sentences.
	Fix   string
	Scope Scope
}

// Rule is data plus a check. Check must be safe to call concurrently for
// different documents; it reads ctx and reports through ctx.Report.
type Rule interface {
	Meta() Meta
	Check(ctx *Context)
}

// Finding is one problem, as facts. Reporters turn it into sentences.
type Finding struct {
	Rule     string        `json:"rule"`
	Severity Severity      `json:"severity"`
	Message  string        `json:"message"`
	Pos      spec.Position `json:"-"`
	Pointer  string        `json:"pointer"`
	// Related are other places the finding is about (cross-spec rules name
	// both sides).
	Related []spec.Position `json:"related,omitempty"`
	// Node is the node the finding points at; used by ignores and baselines.
	Node *spec.Node `json:"-"`
}

// Context is what a Check receives.
type Context struct {
	Doc     *spec.Document // nil for ScopeSet rules
	Set     *spec.Set
	Options Options
	// Promote raises sub-check severities as the strict ruleset raises
	// rules (warn → error, info → warn); set by the engine when the rule's
	// severity came from strict.
	Promote bool
	report  func(Finding)
	rule    string
	sev     Severity
}

// NewContext builds a context whose Report calls sink. The engine uses it;
// tests use it to run one rule.
func NewContext(set *spec.Set, doc *spec.Document, ruleID string, sev Severity, opts Options, sink func(Finding)) *Context {
	return &Context{Doc: doc, Set: set, Options: opts, report: sink, rule: ruleID, sev: sev}
}

// Report records a finding at node n. Pass the most precise node: a key node
// for "this key is wrong", the value for "this value is wrong".
func (c *Context) Report(n *spec.Node, format string, args ...any) {
	c.ReportRelated(n, nil, format, args...)
}

// ReportRelated records a finding that also names other places.
func (c *Context) ReportRelated(n *spec.Node, related []*spec.Node, format string, args ...any) {
	f := Finding{Rule: c.rule, Severity: c.sev, Message: fmt.Sprintf(format, args...), Pos: n.Pos(), Pointer: n.Pointer(), Node: n}
	for _, r := range related {
		f.Related = append(f.Related, r.Pos())
	}
	c.report(f)
}

// ReportSeverity records a finding with a severity other than the rule's
// configured one (for rules whose sub-checks differ, e.g. warn on a case-only
// collision). Under the strict ruleset (Promote) the sub-check is raised as
// strict raises rules; it never goes above the rule's configured severity.
func (c *Context) ReportSeverity(sev Severity, n *spec.Node, format string, args ...any) {
	c.ReportRelatedSeverity(sev, n, nil, format, args...)
}

// ReportRelatedSeverity is ReportSeverity for findings that also name other
// places (cross-spec rules).
func (c *Context) ReportRelatedSeverity(sev Severity, n *spec.Node, related []*spec.Node, format string, args ...any) {
	if c.Promote {
		switch sev {
		case Warn:
			sev = Error
		case Info:
			sev = Warn
		}
	}
	if sev > c.sev {
		sev = c.sev
	}
	f := Finding{Rule: c.rule, Severity: sev, Message: fmt.Sprintf(format, args...), Pos: n.Pos(), Pointer: n.Pointer(), Node: n}
	for _, r := range related {
		f.Related = append(f.Related, r.Pos())
	}
	c.report(f)
}

// Options are a rule's options after defaults and the user's config merged.
type Options map[string]any

// String returns a string option.
func (o Options) String(name string) string {
	s, _ := o[name].(string)
	return s
}

// Bool returns a boolean option.
func (o Options) Bool(name string) bool {
	b, _ := o[name].(bool)
	return b
}

// Int returns a numeric option as int.
func (o Options) Int(name string) int {
	switch v := o[name].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

// Strings returns a list-of-strings option.
func (o Options) Strings(name string) []string {
	switch v := o[name].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Map returns a map option.
func (o Options) Map(name string) map[string]any {
	m, _ := o[name].(map[string]any)
	return m
}

// Defaults returns the options of m with their default values.
func (m Meta) Defaults() Options {
	o := Options{}
	for _, opt := range m.Options {
		o[opt.Name] = opt.Default
	}
	return o
}

// Merge returns defaults overridden by user values.
func (m Meta) Merge(user map[string]any) Options {
	o := m.Defaults()
	for k, v := range user {
		o[k] = v
	}
	return o
}

// Sort orders findings deterministically: file, line, column, rule, message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}
