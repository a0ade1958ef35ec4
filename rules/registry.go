// Package rules holds the built-in rules: one file per rule, each with its
// examples under testdata/<rule-id>/{fail,pass}.yaml, which are both the
// rule's tests and its documentation (`gwctl rules ID` prints them).
package rules

import (
	"embed"
	"sort"

	"github.com/gwctl/gwctl/lint/rule"
)

//go:embed all:testdata
var examples embed.FS

// All returns every built-in rule, sorted by id. Each call builds fresh
// values; rules hold no state.
func All() []rule.Rule {
	rs := append(append(groupA(), groupB()...), groupX()...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Meta().ID < rs[j].Meta().ID })
	return rs
}

// ByID returns the built-in rule with id, or nil.
func ByID(id string) rule.Rule {
	for _, r := range All() {
		if r.Meta().ID == id {
			return r
		}
	}
	return nil
}

// Examples returns a rule's failing and passing example files.
func Examples(id string) (fail, pass []byte, err error) {
	fail, err = examples.ReadFile("testdata/" + id + "/fail.yaml")
	if err != nil {
		return nil, nil, err
	}
	pass, err = examples.ReadFile("testdata/" + id + "/pass.yaml")
	return fail, pass, err
}
