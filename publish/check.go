package publish

import (
	"fmt"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// Check runs the gateway's own validation (config.Validate) on a rendered
// owner section, so that `gwctl render`, `diff` and `publish --dry-run`
// report offline what the gateway would refuse with 422. Problems of a route
// point at its operation (Route.Source, file:line).
func Check(o *config.Owner) []error {
	cfg := config.Config{Owners: []config.Owner{*o}}
	var errs []error
	for _, fe := range cfg.Validate() {
		var i int
		if n, _ := fmt.Sscanf(fe.Field, "owners[0].routes[%d]", &i); n == 1 && i < len(o.Routes) {
			rt := &o.Routes[i]
			field := strings.TrimPrefix(strings.TrimPrefix(fe.Field, fmt.Sprintf("owners[0].routes[%d]", i)), ".")
			errs = append(errs, fmt.Errorf("%s: %s %s: %s: %s (the gateway would refuse this route)", rt.Source, rt.Method, rt.Path, field, fe.Message))
			continue
		}
		errs = append(errs, fmt.Errorf("the gateway would refuse owner %q: %s", o.Name, fe.Error()))
	}
	return sortErrors(errs)
}
