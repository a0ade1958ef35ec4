package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
)

// JUnit writes the result as JUnit XML, which CI systems show as test
// results: one testsuite per file (the linted specs, and any other file
// with findings), one testcase per rule that ran (named by rule id, the
// file as classname; x-lint-ignore checking is the testcase lint-ignore).
// A rule with findings at or above opts.FailAt in the file fails, its
// <failure> holding one "file:line:col severity message" line per finding;
// findings below FailAt go to the passing testcase's <system-out>. A file
// without findings is a suite of passing testcases. Suites are sorted by
// file and testcases by rule; there are no timestamps or durations.
func JUnit(w io.Writer, res *lint.Result, opts Options) error {
	shownFs := shown(res, opts.Min)
	files := slices.Clone(res.Files)
	ruleIDs := slices.Clone(res.Rules)
	byFileRule := map[string]map[string][]rule.Finding{}
	for _, f := range shownFs {
		files = append(files, f.Pos.File)
		ruleIDs = append(ruleIDs, f.Rule)
		if byFileRule[f.Pos.File] == nil {
			byFileRule[f.Pos.File] = map[string][]rule.Finding{}
		}
		byFileRule[f.Pos.File][f.Rule] = append(byFileRule[f.Pos.File][f.Rule], f)
	}
	ruleIDs = append(ruleIDs, lint.IgnoreRuleID)
	slices.Sort(files)
	files = slices.Compact(files)
	slices.Sort(ruleIDs)
	ruleIDs = slices.Compact(ruleIDs)

	out := junitSuites{Name: "gwctl lint"}
	for _, file := range files {
		suite := junitSuite{Name: file}
		for _, id := range ruleIDs {
			tc := junitCase{Name: id, Classname: file}
			var failing, passing []string
			worst := rule.Off
			for _, f := range byFileRule[file][id] {
				line := findingLine(f)
				if f.Severity >= opts.FailAt {
					failing = append(failing, line)
					worst = max(worst, f.Severity)
				} else {
					passing = append(passing, line)
				}
			}
			if len(failing) > 0 {
				msg := oneLine(byFileRule[file][id][0].Message)
				if len(failing) > 1 {
					msg = fmt.Sprintf("%d problems; first: %s", len(failing), msg)
				}
				tc.Failure = &junitFailure{Message: msg, Type: worst.String(), Text: strings.Join(failing, "\n") + "\n"}
				suite.Failures++
			}
			if len(passing) > 0 {
				tc.SystemOut = &junitText{Text: strings.Join(passing, "\n") + "\n"}
			}
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Tests = len(suite.Cases)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Suites = append(out.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// findingLine is file:line:col severity message, with related places.
func findingLine(f rule.Finding) string {
	s := posText(f) + " " + f.Severity.String() + " " + oneLine(f.Message)
	for _, r := range f.Related {
		s += " (related: " + r.String() + ")"
	}
	return s
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is element text kept verbatim (CDATA), one finding a line.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}
