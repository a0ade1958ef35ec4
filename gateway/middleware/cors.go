package middleware

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
)

// CORS is a compiled CORS policy. A nil *CORS does nothing.
type CORS struct {
	any         bool
	origins     map[string]bool
	methods     string // "" → the path's methods
	headers     string // "" → reflect Access-Control-Request-Headers
	expose      string
	credentials bool
	maxAge      string
}

// NewCORS compiles a config.CORS (nil → nil).
func NewCORS(c *config.CORS) *CORS {
	if c == nil {
		return nil
	}
	p := &CORS{origins: map[string]bool{}, credentials: c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			p.any = true
		}
		p.origins[o] = true
	}
	p.methods = strings.Join(c.AllowMethods, ", ")
	p.headers = strings.Join(c.AllowHeaders, ", ")
	p.expose = strings.Join(c.ExposeHeaders, ", ")
	if c.MaxAge > 0 {
		p.maxAge = strconv.FormatInt(int64(c.MaxAge.D().Seconds()), 10)
	}
	return p
}

var (
	varyOrigin    = "Origin"
	varyPreflight = []string{"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}
	trueValue     = []string{"true"}
	star          = []string{"*"}
)

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or
// "" when it is not allowed.
func (p *CORS) allowOrigin(origin string) []string {
	if origin == "" {
		return nil
	}
	if p.origins[origin] {
		return []string{origin}
	}
	if p.any {
		if p.credentials {
			return []string{origin}
		}
		return star
	}
	return nil
}

// IsPreflight reports whether r is a CORS preflight request.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Preflight answers a preflight for a path whose methods are pathMethods
// (the router's Allow value). The answer is 204; CORS headers are present
// only when the origin and the requested method are allowed.
func (p *CORS) Preflight(w http.ResponseWriter, r *http.Request, pathMethods string) {
	h := w.Header()
	h["Vary"] = varyPreflight
	origin := r.Header.Get("Origin")
	reqMethod := r.Header.Get("Access-Control-Request-Method")
	methods := p.methods
	if methods == "" {
		methods = pathMethods
	}
	if ao := p.allowOrigin(origin); ao != nil && listHas(methods, reqMethod) && listHas(pathMethods, reqMethod) {
		h["Access-Control-Allow-Origin"] = ao
		h["Access-Control-Allow-Methods"] = []string{methods}
		if p.headers != "" {
			h["Access-Control-Allow-Headers"] = []string{p.headers}
		} else if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" && headerListOK(rh) {
			h["Access-Control-Allow-Headers"] = []string{rh}
		}
		if p.credentials {
			h["Access-Control-Allow-Credentials"] = trueValue
		}
		if p.maxAge != "" {
			h["Access-Control-Max-Age"] = []string{p.maxAge}
		}
	}
	h["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusNoContent)
}

// Actual adds the CORS headers of an actual (non-preflight) request to h,
// the response headers; call it before the response is written so that
// errors carry them too.
func (p *CORS) Actual(h http.Header, origin string) {
	if p == nil {
		return
	}
	h.Add("Vary", varyOrigin)
	ao := p.allowOrigin(origin)
	if ao == nil {
		return
	}
	h["Access-Control-Allow-Origin"] = ao
	if p.credentials {
		h["Access-Control-Allow-Credentials"] = trueValue
	}
	if p.expose != "" {
		h["Access-Control-Expose-Headers"] = []string{p.expose}
	}
}

// listHas reports whether the comma-separated list contains v (exactly, as
// methods are case-sensitive).
func listHas(list, v string) bool {
	if v == "" {
		return false
	}
	for list != "" {
		item := list
		if i := strings.IndexByte(list, ','); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = ""
		}
		if strings.TrimSpace(item) == v {
			return true
		}
	}
	return false
}

// headerListOK reports whether a reflected header list is only tokens,
// commas and spaces.
func headerListOK(s string) bool {
	if len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~, ", c) >= 0) {
			return false
		}
	}
	return true
}
