package report

import (
	"encoding/json"
	"io"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/spec"
)

// JSON writes the result as one JSON document (2-space indented, trailing
// newline). The schema is stable; fields are only ever added:
//
//	{
//	  "findings": [                      // sorted by file, line, column, rule; [] when clean
//	    {
//	      "rule": "path-segments-kebab-case",
//	      "severity": "error",           // error | warn | info | hint
//	      "message": "…",                // what is wrong and what to do
//	      "file": "specs/billing.yaml",  // relative to the working directory, slash-separated
//	      "line": 12,                    // 1-based
//	      "column": 5,                   // 1-based, in characters
//	      "pointer": "/paths/~1get_invoices",  // RFC 6901 JSON pointer of the node in that file
//	      "related": [{"file": "…", "line": 3, "column": 5}]  // only for findings about several places
//	    }
//	  ],
//	  "summary": {
//	    "error": 3, "warn": 9, "info": 0, "hint": 0,   // reported findings per severity
//	    "ignored": 2,                    // silenced by x-lint-ignore
//	    "excepted": 1,                   // silenced by gwctl.yaml ruleset exceptions
//	    "files": 2,                      // spec documents linted
//	    "operations": 31,                // operations in them
//	    "baselined": 40,                 // hidden by --baseline (omitted when 0)
//	    "baselineStale": 3,              // baseline entries that no longer occur (omitted when 0)
//	    "unchanged": 12                  // left out by --changed-since (omitted when 0)
//	  }
//	}
//
// With --quiet, findings below error are left out of "findings" but still
// counted in "summary".
func JSON(w io.Writer, res *lint.Result, opts Options) error {
	out := jsonReport{Findings: []jsonFinding{}, Summary: res.Summary}
	for _, f := range shown(res, opts.Min) {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message,
			File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col, Pointer: f.Pointer,
			Related: f.Related,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

type jsonReport struct {
	Findings []jsonFinding `json:"findings"`
	Summary  lint.Summary  `json:"summary"`
}

type jsonFinding struct {
	Rule     string          `json:"rule"`
	Severity string          `json:"severity"`
	Message  string          `json:"message"`
	File     string          `json:"file"`
	Line     int             `json:"line"`
	Column   int             `json:"column"`
	Pointer  string          `json:"pointer"`
	Related  []spec.Position `json:"related,omitempty"`
}
