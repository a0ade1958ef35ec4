package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gwctl/gwctl/cmd/internal/iostreams"
)

// TestRenderShopGolden renders the shop example (what a newcomer runs first)
// with its own gwctl.yaml and the `local` environment's upstreams, and keeps
// the result as a golden file: a change to the mapping shows up as a diff of
// the 49 routes. -update rewrites it.
func TestRenderShopGolden(t *testing.T) {
	root := repoRoot(t)
	t.Chdir(filepath.Join(root, "examples", "shop"))
	ios, _, out, errOut := iostreams.Test()
	code := Main(context.Background(), []string{"render", "--env", "local", "--format", "yaml"}, ios)
	if code != 0 {
		t.Fatalf("gwctl render exited %d:\n%s", code, errOut.String())
	}
	golden := filepath.Join(root, "testdata", "publish", "render-shop.golden.yaml")
	if *update {
		writeGolden(t, golden, out.String())
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/internal/cli -run TestRenderShopGolden -update)", err)
	}
	if out.String() != string(want) {
		t.Errorf("render of examples/shop differs (run with -update to accept, then review the diff):\n%s", firstDiff(out.String(), string(want)))
	}
}
