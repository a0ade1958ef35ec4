// Command libopenapi-build times the bare libopenapi parse + BuildV3Model of
// one spec, the reference the lint speed bar is expressed against (issue:
// "≤ 1.3× the bare libopenapi parse-and-build time"). It is its own module so
// that gwctl's go.mod does not carry libopenapi.
//
//	go run . ../.work/package/generated/api.github.com.json
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pb33f/libopenapi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: libopenapi-build SPEC")
		os.Exit(2)
	}
	start := time.Now()
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
	}
	n := 0
	if m != nil && m.Model.Paths != nil {
		n = m.Model.Paths.PathItems.Len()
	}
	fmt.Printf("parsed and built %d paths in %s\n", n, time.Since(start).Round(time.Millisecond))
}
