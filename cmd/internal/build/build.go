// Package build holds the version stamped into the binary by .goreleaser.yaml
// ldflags, with a fallback to the module build info for `go install` builds.
package build

import "runtime/debug"

// Set by -ldflags "-X github.com/gwctl/gwctl/cmd/internal/build.Version=…".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info returns the version, commit and build date, filling blanks from the
// Go build info when the binary was not built by goreleaser.
func Info() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value
				}
			case "vcs.time":
				if date == "" {
					date = s.Value
				}
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	return version, commit, date
}
