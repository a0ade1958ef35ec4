package spec

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

// TestSharedFileParsedOnce: a file that two specs reference is loaded once;
// both resolve to the very same nodes.
func TestSharedFileParsedOnce(t *testing.T) {
	set, err := load(t, Options{Workers: 4}, "load/multi", "load/refs/root.yaml", "load/cycles/openapi.yaml", "load/petstore-3.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var problems []*Node
	for _, d := range set.Docs {
		for _, o := range d.Operations {
			if r := o.Response("400"); r != nil {
				problems = append(problems, r)
			}
		}
	}
	if len(problems) != 2 || problems[0] != problems[1] || problems[0].File().Name != "load/multi/components/common.yaml" {
		t.Fatalf("shared response: %v", problems)
	}
	seen := map[string]bool{}
	for _, f := range set.Files() {
		if seen[f.Path] {
			t.Errorf("%s loaded twice", f.Name)
		}
		seen[f.Path] = true
	}
}

// TestConcurrentReaders: a loaded Set is read-only, so rules may read it
// from many goroutines at once (run with -race).
func TestConcurrentReaders(t *testing.T) {
	paths := []string{"load/multi", "load/refs/root.yaml", "load/cycles/openapi.yaml", "load/petstore-3.0.yaml", "load/petstore-3.1.json", "load/positions.yaml"}
	set, err := load(t, Options{Workers: 8}, paths...)
	if err != nil {
		t.Fatal(err)
	}
	// A mapping large enough to have an index.
	big := filepath.Join(t.TempDir(), "big.json")
	writeBigSpec(t, big, 200)
	bigSet, err := Load(context.Background(), []string{big}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range []*Set{set, bigSet} {
				for _, f := range s.Files() {
					readAll(s, f.Root)
				}
				for _, d := range s.Docs {
					for _, o := range d.Operations {
						o.Requirements()
						o.Responses()
						o.RequestBody()
						o.Param("id", "path")
						d.SecurityScheme("apiKey")
					}
				}
			}
		}()
	}
	wg.Wait()
}

func readAll(s *Set, n *Node) {
	n.Pos()
	n.Pointer()
	n.Key()
	s.Deref(n)
	for _, k := range n.Keys {
		n.Get(k.Value)
		n.KeyNode(k.Value)
	}
	n.Get("missing")
	for _, v := range n.Values {
		readAll(s, v)
	}
}
