package report

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/gwctl/gwctl/lint/rule"
)

func TestJUnit(t *testing.T) {
	res := sample()
	res.Files = []string{"legacy/billing.yaml", "specs/a.yaml", "specs/clean.yaml"}
	res.Rules = []string{"h", "operation-summary", "path-segments-kebab-case", "xspec-route-conflict"}
	var b bytes.Buffer
	if err := JUnit(&b, res, Options{}); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="gwctl lint" tests="15" failures="4" errors="0">
  <testsuite name="legacy/billing.yaml" tests="5" failures="2" errors="0">
    <testcase name="h" classname="legacy/billing.yaml"></testcase>
    <testcase name="lint-ignore" classname="legacy/billing.yaml"></testcase>
    <testcase name="operation-summary" classname="legacy/billing.yaml">
      <failure message="add a summary" type="warn"><![CDATA[legacy/billing.yaml:12:5 warn add a summary
]]></failure>
    </testcase>
    <testcase name="path-segments-kebab-case" classname="legacy/billing.yaml">
      <failure message="rename &#34;get_invoices&#34; to kebab-case" type="error"><![CDATA[legacy/billing.yaml:4:3 error rename "get_invoices" to kebab-case
]]></failure>
    </testcase>
    <testcase name="xspec-route-conflict" classname="legacy/billing.yaml"></testcase>
  </testsuite>
  <testsuite name="specs/a.yaml" tests="5" failures="2" errors="0">
    <testcase name="h" classname="specs/a.yaml">
      <failure message="consider" type="hint"><![CDATA[specs/a.yaml:100:1 hint consider
]]></failure>
    </testcase>
    <testcase name="lint-ignore" classname="specs/a.yaml"></testcase>
    <testcase name="operation-summary" classname="specs/a.yaml"></testcase>
    <testcase name="path-segments-kebab-case" classname="specs/a.yaml"></testcase>
    <testcase name="xspec-route-conflict" classname="specs/a.yaml">
      <failure message="GET /v1/x is also in orders.yaml" type="info"><![CDATA[specs/a.yaml:10:11 info GET /v1/x is also in orders.yaml (related: specs/orders.yaml:3:5)
]]></failure>
    </testcase>
  </testsuite>
  <testsuite name="specs/clean.yaml" tests="5" failures="0" errors="0">
    <testcase name="h" classname="specs/clean.yaml"></testcase>
    <testcase name="lint-ignore" classname="specs/clean.yaml"></testcase>
    <testcase name="operation-summary" classname="specs/clean.yaml"></testcase>
    <testcase name="path-segments-kebab-case" classname="specs/clean.yaml"></testcase>
    <testcase name="xspec-route-conflict" classname="specs/clean.yaml"></testcase>
  </testsuite>
</testsuites>
`
	if b.String() != want {
		t.Errorf("junit:\n%s\nwant:\n%s", b.String(), want)
	}

	// Below --fail-on, findings are output of a passing test case.
	b.Reset()
	JUnit(&b, res, Options{FailAt: rule.Error})
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Failure   *struct{} `xml:"failure"`
				SystemOut string    `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 15 || doc.Failures != 1 {
		t.Errorf("FailAt error: tests %d failures %d, want 15 and 1", doc.Tests, doc.Failures)
	}
	if c := doc.Suites[0].Cases[2]; c.Name != "operation-summary" || c.Failure != nil || c.SystemOut != "legacy/billing.yaml:12:5 warn add a summary\n" {
		t.Errorf("a warning below --fail-on passes with output: %+v", c)
	}
}
