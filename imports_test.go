package gwctl_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the layering of STYLE.md: the gateway never
// imports lint, rules or publish; rules never import the engine; only
// lint/spec imports libopenapi; gateway/config is standard library only;
// publish never imports the gateway runtime.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/gwctl/gwctl"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type rule struct {
		from   string // package path prefix (module-relative)
		forbid []string
		why    string
	}
	rules := []rule{
		{"gateway", []string{mod + "/lint", mod + "/rules", mod + "/publish", mod + "/cmd"}, "the gateway is built from the config contract only"},
		{"rules", []string{mod + "/lint/config", mod + "/lint/report", mod + "/publish", mod + "/gateway"}, "rules read the model; the CLI hands them to the engine"},
		{"lint", []string{mod + "/rules", mod + "/publish", mod + "/gateway", mod + "/cmd"}, "the engine does not know the built-in rules"},
		{"publish", []string{mod + "/gateway/router", mod + "/gateway/proxy", mod + "/gateway/admin", mod + "/gateway/store", mod + "/cmd"}, "publish talks to the gateway over the admin API"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if !strings.HasPrefix(pkg, mod+"/") {
			continue
		}
		rel := strings.TrimPrefix(pkg, mod+"/")
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, "github.com/pb33f/") && !strings.HasPrefix(rel, "lint/spec") {
				t.Errorf("%s imports %s: only lint/spec may import libopenapi", rel, imp)
			}
			if rel == "gateway/config" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				t.Errorf("gateway/config imports %s: it must stay standard library only", imp)
			}
			for _, r := range rules {
				if rel != r.from && !strings.HasPrefix(rel, r.from+"/") {
					continue
				}
				for _, f := range r.forbid {
					if imp == f || strings.HasPrefix(imp, f+"/") {
						t.Errorf("%s imports %s: %s", rel, imp, r.why)
					}
				}
			}
		}
	}
}
