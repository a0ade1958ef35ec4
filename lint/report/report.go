// Package report writes lint results: text for people; json, sarif, github
// and junit for machines. Reporters turn findings (facts) into output; they
// never decide exit codes.
//
// Where output goes is the caller's business; gwctl writes the report to
// stdout and the one-line Summary to stderr.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
)

// Formats are the names --format accepts.
var Formats = []string{"text", "json", "sarif", "github", "junit"}

// Options shape a report.
type Options struct {
	// Color enables ANSI colour (the caller decides: a TTY without
	// NO_COLOR).
	Color bool
	// Min hides findings below this severity (for --quiet); the summary
	// still counts them. The zero value shows everything.
	Min rule.Severity
	// FailAt is the severity from which a finding fails the run (--fail-on);
	// junit reports findings below it as output of a passing test case. The
	// zero value makes every finding a failure; above Error, none is.
	FailAt rule.Severity
	// Tool describes gwctl and its rules, for sarif.
	Tool Tool
}

// Tool is what sarif says about the analyser.
type Tool struct {
	// Version is gwctl's version ("" is written as "dev").
	Version string
	// Rules are the metadata of every rule (the registry), in order; sarif
	// lists them all in tool.driver.rules.
	Rules []rule.Meta
	// Examples returns a rule's failing and passing examples for the rule's
	// help text; nil leaves them out.
	Examples func(id string) (fail, pass []byte, err error)
}

// Write writes res in format (one of Formats).
func Write(w io.Writer, format string, res *lint.Result, opts Options) error {
	switch format {
	case "", "text":
		return Text(w, res, opts)
	case "json":
		return JSON(w, res, opts)
	case "sarif":
		return SARIF(w, res, opts)
	case "github":
		return GitHub(w, res, opts)
	case "junit":
		return JUnit(w, res, opts)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

func shown(res *lint.Result, min rule.Severity) []rule.Finding {
	if min <= rule.Hint {
		return res.Findings
	}
	var out []rule.Finding
	for _, f := range res.Findings {
		if f.Severity >= min {
			out = append(out, f)
		}
	}
	return out
}

// ANSI styles; plain escapes keep the output under our control (no global
// colour state, no terminal sniffing: the caller has decided).
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	blue   = "\x1b[34m"
	cyan   = "\x1b[36m"
)

type painter bool

func (p painter) paint(style, s string) string {
	if !p || s == "" {
		return s
	}
	return style + s + reset
}

func sevStyle(s rule.Severity) string {
	switch s {
	case rule.Error:
		return red
	case rule.Warn:
		return yellow
	case rule.Info:
		return blue
	}
	return dim
}
