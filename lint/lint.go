// Package lint is the engine: it configures the rules from a ruleset, runs
// them over a loaded spec.Set, applies inline and configured suppressions and
// returns the findings in a stable order with a summary.
//
// The engine never imports the rules package: the caller hands it the rules
// (rules.All()) and the built-in rulesets (rules.Ruleset).
package lint

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gwctl/gwctl/lint/config"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// Options configure a run. The zero value runs the `recommended` ruleset
// (every rule at its default severity with default options).
type Options struct {
	// Ruleset is the project's ruleset (config.Project.Ruleset); nil means
	// `recommended`.
	Ruleset *config.Ruleset
	// Builtin returns the severities of a built-in ruleset by name (pass
	// rules.Ruleset). When nil, "recommended" is every rule's default
	// severity and "strict" promotes warn to error and info to warn.
	Builtin func(name string) (map[string]rule.Severity, bool)
	// Dir is the directory exception `files` globs are relative to: the
	// directory of gwctl.yaml (default: the working directory).
	Dir string
	// Workers bounds how many rule checks run at once (default GOMAXPROCS).
	Workers int
	// Baseline hides the known findings it lists and counts the entries
	// that no longer occur (see baseline.go); nil: none.
	Baseline *Baseline
	// Changed keeps only the findings inside what changed (see changed.go);
	// nil: every finding.
	Changed *Changes
}

// Result is what a run found.
type Result struct {
	// Findings are the reported problems, sorted by file, line, column, rule.
	Findings []rule.Finding
	// Suppressed are the findings an x-lint-ignore or a config exception
	// silenced, in the same order, with why.
	Suppressed []Suppressed
	Summary    Summary
	// Rules are the ids of the rules that ran (not off), sorted; Files the
	// root spec documents' names, sorted. Reporters that list passing
	// checks (junit) use them.
	Rules []string
	Files []string
}

// Suppressed is a finding that was silenced.
type Suppressed struct {
	Finding rule.Finding
	// By is "x-lint-ignore" or "exception".
	By     string
	Reason string
	// At is where the x-lint-ignore entry or the exception is written.
	At spec.Position
}

// Summary counts a run. Its JSON form is part of `gwctl lint --format json`.
type Summary struct {
	Errors   int `json:"error"`
	Warnings int `json:"warn"`
	Infos    int `json:"info"`
	Hints    int `json:"hint"`
	// Ignored were silenced by x-lint-ignore, Excepted by a config exception.
	Ignored  int `json:"ignored"`
	Excepted int `json:"excepted"`
	// Files is the number of root spec documents, Operations their
	// operations.
	Files      int `json:"files"`
	Operations int `json:"operations"`
	// Baselined were hidden by --baseline; BaselineStale counts baseline
	// entries that no longer occur (fixed: the baseline can shrink).
	// Unchanged were found and then left out by --changed-since, being
	// outside the changes (per-document rules do not run on documents
	// without changes, so their findings are never counted).
	// All three are omitted from JSON when zero.
	Baselined     int `json:"baselined,omitempty"`
	BaselineStale int `json:"baselineStale,omitempty"`
	Unchanged     int `json:"unchanged,omitempty"`
}

// Problems is the number of reported findings.
func (s Summary) Problems() int { return s.Errors + s.Warnings + s.Infos + s.Hints }

// AtLeast counts the reported findings with severity min or above.
func (r *Result) AtLeast(min rule.Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= min {
			n++
		}
	}
	return n
}

// Run lints set with rs configured by opts. Configuration problems (unknown
// options, options of the wrong type) should be checked first with
// Configure: Run skips a bad option (the rule keeps its default) rather than
// failing. A rule that panics is reported as an error finding of that rule
// instead of crashing the run. When ctx is cancelled Run stops early and
// returns what it has.
func Run(ctx context.Context, set *spec.Set, rs []rule.Rule, opts Options) *Result {
	plan, _ := Configure(rs, opts)
	known := make(map[string]bool, len(rs))
	for _, r := range rs {
		known[r.Meta().ID] = true
	}

	type job struct {
		r   Configured
		doc *spec.Document
	}
	touched := func(*spec.Document) bool { return true }
	if opts.Changed != nil {
		touched = opts.Changed.touched(set)
	}
	var jobs []job
	var ran []string
	for _, c := range plan.Rules {
		if c.Severity == rule.Off {
			continue
		}
		ran = append(ran, c.Meta.ID)
		if c.Meta.Scope == rule.ScopeSet {
			jobs = append(jobs, job{r: c})
			continue
		}
		for _, d := range set.Docs {
			if touched(d) {
				jobs = append(jobs, job{r: c, doc: d})
			}
		}
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	results := make([][]rule.Finding, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = check(set, j.doc, j.r)
		}()
	}
	wg.Wait()

	var all []rule.Finding
	for _, fs := range results {
		all = append(all, fs...)
	}

	ig := collectIgnores(set, known)
	res := &Result{}
	dir := opts.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	ex := newExceptions(plan.Exceptions, dir)
	for _, f := range all {
		if f.Severity == rule.Off {
			continue // a sub-check turned off; nothing to report
		}
		if e, ok := ig.match(f); ok {
			res.Suppressed = append(res.Suppressed, Suppressed{Finding: f, By: "x-lint-ignore", Reason: e.reason, At: e.at})
			res.Summary.Ignored++
			continue
		}
		if e, ok := ex.match(f); ok {
			res.Suppressed = append(res.Suppressed, Suppressed{Finding: f, By: "exception", Reason: e.Reason, At: e.Pos})
			res.Summary.Excepted++
			continue
		}
		res.Findings = append(res.Findings, f)
	}
	res.Findings = append(res.Findings, ig.problems...)
	rule.Sort(res.Findings)
	res.Findings = dedupe(res.Findings)
	res.Findings = narrow(res, set, opts, touched)
	sortSuppressed(res.Suppressed)

	for _, f := range res.Findings {
		switch f.Severity {
		case rule.Error:
			res.Summary.Errors++
		case rule.Warn:
			res.Summary.Warnings++
		case rule.Info:
			res.Summary.Infos++
		case rule.Hint:
			res.Summary.Hints++
		}
	}
	res.Summary.Files = len(set.Docs)
	for _, d := range set.Docs {
		res.Summary.Operations += len(d.Operations)
		res.Files = append(res.Files, d.File.Name)
	}
	slices.Sort(res.Files)
	slices.Sort(ran)
	res.Rules = ran
	return res
}

// check runs one rule on one document (or on the set), turning a panic into
// a finding so one broken rule cannot take the run down.
func check(set *spec.Set, doc *spec.Document, c Configured) (out []rule.Finding) {
	id := c.Meta.ID
	defer func() {
		if p := recover(); p != nil {
			pos := spec.Position{Line: 1, Col: 1}
			if doc != nil {
				pos.File = doc.File.Name
			} else if len(set.Docs) > 0 {
				pos.File = set.Docs[0].File.Name
			}
			out = append(out, rule.Finding{Rule: id, Severity: rule.Error, Pos: pos,
				Message: fmt.Sprintf("internal error in rule %s: %v (please report this with the spec that caused it)", id, p)})
		}
	}()
	sink := func(f rule.Finding) {
		if f.Rule == "" {
			f.Rule = id
		}
		out = append(out, f)
	}
	ctx := rule.NewContext(set, doc, id, c.Severity, c.Options, sink)
	ctx.Promote = c.Promote
	c.Rule.Check(ctx)
	return out
}

func sortSuppressed(s []Suppressed) {
	slices.SortStableFunc(s, func(a, b Suppressed) int { return compareFindings(a.Finding, b.Finding) })
}

// compareFindings is the order of rule.Sort: file, line, column, rule, message.
func compareFindings(a, b rule.Finding) int {
	return cmp.Or(
		strings.Compare(a.Pos.File, b.Pos.File),
		cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Col, b.Pos.Col),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Message, b.Message),
	)
}

// dedupe drops exact repeats (same rule, position and message) from sorted
// findings: a component in a file shared by several root specs is checked
// once per spec that reaches it, but is one problem.
func dedupe(fs []rule.Finding) []rule.Finding {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 {
			p := out[len(out)-1]
			if p.Rule == f.Rule && p.Pos == f.Pos && p.Message == f.Message {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}
