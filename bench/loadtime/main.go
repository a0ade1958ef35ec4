// Command loadtime loads spec files with lint/spec, the loader `gwctl lint`
// runs first, and reports how long that took. It takes the same arguments
// as `gwctl lint` (flags are ignored), so bench/lint.sh can time the loader
// alone:
//
//	go build -o bench/.work/loadtime ./bench/loadtime
//	GWCTL_BIN=bench/.work/loadtime bench/lint.sh
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gwctl/gwctl/lint/spec"
)

func main() {
	var paths []string
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "lint":
		case a == "--format" || a == "-f":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			paths = append(paths, a)
		}
	}
	start := time.Now()
	set, err := spec.Load(context.Background(), paths, spec.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	el := time.Since(start)
	ops := 0
	for _, d := range set.Docs {
		ops += len(d.Operations)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "files=%d operations=%d load=%v heap=%dMiB total-alloc=%dMiB mallocs=%d gc=%d\n",
		len(set.Files()), ops, el.Round(time.Millisecond), ms.HeapAlloc>>20, ms.TotalAlloc>>20, ms.Mallocs, ms.NumGC)
}
