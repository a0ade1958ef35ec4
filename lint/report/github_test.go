package report

import (
	"bytes"
	"testing"

	"github.com/gwctl/gwctl/lint"
	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

func TestGitHub(t *testing.T) {
	res := sample()
	res.Findings = append(res.Findings, rule.Finding{Rule: "r", Severity: rule.Error, Message: "100% wrong,\r\nreally: yes",
		Pos: spec.Position{File: "odd,name:1%.yaml"}})
	var b bytes.Buffer
	if err := GitHub(&b, res, Options{}); err != nil {
		t.Fatal(err)
	}
	want := `::error file=legacy/billing.yaml,line=4,col=3,title=path-segments-kebab-case::rename "get_invoices" to kebab-case
::warning file=legacy/billing.yaml,line=12,col=5,title=operation-summary::add a%0Asummary
::notice file=specs/a.yaml,line=10,col=11,title=xspec-route-conflict::GET /v1/x is also in orders.yaml (related: specs/orders.yaml:3:5)
::notice file=specs/a.yaml,line=100,col=1,title=h::consider
::error file=odd%2Cname%3A1%25.yaml,title=r::100%25 wrong,%0D%0Areally: yes
`
	if b.String() != want {
		t.Errorf("github:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	GitHub(&b, sample(), Options{Min: rule.Error})
	if b.String() != "::error file=legacy/billing.yaml,line=4,col=3,title=path-segments-kebab-case::rename \"get_invoices\" to kebab-case\n" {
		t.Errorf("quiet: %q", b.String())
	}
	b.Reset()
	GitHub(&b, &lint.Result{}, Options{})
	if b.Len() != 0 {
		t.Errorf("clean: %q", b.String())
	}
}
