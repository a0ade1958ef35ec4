package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// StatusCodesPerMethodID is the id of the method/success-code matrix rule.
const StatusCodesPerMethodID = "status-codes-per-method"

type statusCodesPerMethod struct{}

// successMatrix is the default: which 2xx/3xx codes each kind of operation
// may return (RFC 9110 §9.3, ZAL #150 well-understood table).
var successMatrix = map[string][]string{
	"get":         {"200", "206", "304"},
	"head":        {"200", "304"},
	"post-create": {"201", "202", "303"},
	"post-action": {"200", "202", "204", "207", "303"},
	"post":        {"200", "201", "202", "204", "207", "303"},
	"put":         {"200", "201", "202", "204", "303"},
	"patch":       {"200", "202", "204", "303"},
	"delete":      {"200", "202", "204", "303"},
	"options":     {"200", "204"},
}

// preferred is the code a message suggests for each kind.
var preferred = map[string]string{
	"get": "200", "head": "200", "post-create": "201", "post-action": "200", "post": "200",
	"put": "200", "patch": "200", "delete": "204", "options": "204",
}

var redirectCodes = stringSet([]string{"301", "302", "303", "307", "308"})

func (statusCodesPerMethod) Meta() rule.Meta {
	matrix := map[string]any{}
	for k, v := range successMatrix {
		matrix[k] = v
	}
	return rule.Meta{
		ID:       StatusCodesPerMethodID,
		Summary:  "Success status codes fit the method: 201 for a create, 204 or 200 for DELETE, no 201 on GET",
		Severity: rule.Error,
		Family:   "status",
		Options: []rule.Option{
			{Name: "matrix", Default: matrix, Description: "allowed 2xx/3xx codes per kind (get, head, post-create, post-action, post, put, patch, delete, options; post is a POST the path does not classify); an entry replaces the default list"},
			{Name: "allowRedirects", Default: false, Description: "accept the redirects 301, 302, 303, 307 and 308 on every method"},
			{Name: "lenientCreate", Default: false, Description: "also accept 200 and 204 on a POST that creates"},
		},
		Fix: "Return 201 (or 202) from a POST that creates, 200/202/204 from actions and DELETE, 200/206/304 from GET. A POST is a create when its path is a collection whose item path …/{id} exists and an action when it ends in :verb or /actions/verb; x-gwctl-kind: create|action overrides.",
	}
}

func (statusCodesPerMethod) Check(ctx *rule.Context) {
	matrix := map[string]map[string]bool{}
	for k, v := range successMatrix {
		matrix[k] = stringSet(v)
	}
	for k, v := range ctx.Options.Map("matrix") {
		matrix[strings.ToLower(k)] = stringSet(optCodes(v))
	}
	if ctx.Options.Bool("lenientCreate") {
		c := map[string]bool{"200": true, "204": true}
		for k := range matrix["post-create"] {
			c[k] = true
		}
		matrix["post-create"] = c
	}
	redirects := ctx.Options.Bool("allowRedirects")
	shapes := newPathShapes(ctx.Doc)
	infoSeen := map[*spec.Node]bool{}
	for _, op := range ctx.Doc.Operations {
		kind := op.Method
		if k := shapes.postClass(op); kind == "post" && k != "" {
			kind += "-" + k
		}
		allowed, ok := matrix[kind]
		if !ok {
			continue
		}
		op.Responses().Each(func(code string, key, raw *spec.Node) {
			if !isStatusCode(code) {
				return
			}
			if code == "202" {
				accepted(ctx, op, key, ctx.Set.Deref(raw), infoSeen)
			}
			c := statusClass(code)
			if (c != '2' && c != '3') || allowed[code] || (redirects && redirectCodes[code]) {
				return
			}
			ctx.Report(key, "%s returns %s, which does not fit %s: use %s (allowed: %s)", opLabel(op), code, describeKind(kind, op), suggestCode(kind, code, allowed), strings.Join(sortedCodes(allowed), ", "))
		})
	}
}

// accepted reports, as info, a 202 that tells the client neither where to
// follow the work (Location) nor its status (a body).
func accepted(ctx *rule.Context, op *spec.Operation, key, resp *spec.Node, seen map[*spec.Node]bool) {
	if resp == nil || seen[resp] {
		return
	}
	seen[resp] = true
	if resp.Get("content").Len() > 0 {
		return
	}
	hasLocation := false
	resp.Get("headers").Each(func(name string, _, _ *spec.Node) {
		hasLocation = hasLocation || strings.EqualFold(name, "Location")
	})
	if !hasLocation {
		ctx.ReportSeverity(rule.Info, key, "%s returns 202 Accepted without a Location header or a status body: tell the client where to follow the work", opLabel(op))
	}
}

func describeKind(kind string, op *spec.Operation) string {
	switch kind {
	case "post-create":
		return "a POST that creates (the item path " + op.Path + "/{…} exists)"
	case "post-action":
		if op.Node.Str("x-gwctl-kind") == "action" {
			return "a POST marked x-gwctl-kind: action"
		}
		if a := actionName(parsePath(op.Path)); a != "" {
			return "the POST action " + strconv.Quote(a)
		}
		return "a POST action"
	case "post":
		return "POST"
	}
	return strings.ToUpper(kind)
}

// suggestCode picks the replacement for a wrong code.
func suggestCode(kind, code string, allowed map[string]bool) string {
	switch {
	case kind == "post-action" && code == "201" && allowed["200"]:
		return "200"
	}
	if p := preferred[kind]; allowed[p] {
		return p
	}
	if s := sortedCodes(allowed); len(s) > 0 {
		return s[0]
	}
	return preferred[kind]
}

func sortedCodes(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out) // three-digit codes sort as strings
	return out
}
