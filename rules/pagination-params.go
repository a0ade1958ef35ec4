package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// PaginationParamsID is the id of the pagination-params rule.
const PaginationParamsID = "pagination-params"

type paginationParams struct{}

func (paginationParams) Meta() rule.Meta {
	return rule.Meta{
		ID:       PaginationParamsID,
		Summary:  "List operations take the org's pagination query parameters (cursor style: limit + cursor)",
		Severity: rule.Error,
		Family:   "shapes",
		Options: []rule.Option{
			{Name: "style", Default: "cursor", Description: "cursor (limit + cursor), offset (limit + offset), page (page + pageSize) or jsonapi (page[size] + page[after]/page[before])"},
			{Name: "limitParam", Default: "limit", Description: "name of the page-size parameter (cursor and offset styles)"},
			{Name: "cursorParam", Default: "cursor", Description: "name of the opaque cursor parameter (cursor style)"},
			{Name: "offsetParam", Default: "offset", Description: "name of the offset parameter (offset style)"},
			{Name: "pageParam", Default: "page", Description: "name of the page-number parameter (page style)"},
			{Name: "pageSizeParam", Default: "pageSize", Description: "name of the page-size parameter (page style)"},
			{Name: "maxLimit", Default: 0, Description: "largest `maximum` allowed on the page-size parameter; 0 for no cap"},
			{Name: "smallCollectionLimit", Default: 50, Description: "lists whose array declares maxItems at or below this need no pagination"},
		},
		Fix: "Add the pagination query parameters, e.g. `limit` ({type: integer, minimum: 1, maximum: 100, default: 20}) and `cursor` ({type: string}), both optional, and return the next cursor in `page.next`.",
	}
}

// pageParamSpec is what one pagination parameter must look like.
type pageParamSpec struct {
	name string
	typ  string // integer or string
	size bool   // a page size: minimum ≥ 1, maximum and default declared
	min  int    // smallest allowed minimum for non-size integers (offset 0, page 1)
	alt  string // another name that satisfies this one (page[before] for page[after])
}

func (paginationParams) Check(ctx *rule.Context) {
	o := ctx.Options
	name := func(opt, def string) string {
		if v := o.String(opt); v != "" {
			return v
		}
		return def
	}
	limit, cursor, offset := name("limitParam", "limit"), name("cursorParam", "cursor"), name("offsetParam", "offset")
	page, pageSize := name("pageParam", "page"), name("pageSizeParam", "pageSize")
	styles := map[string][]pageParamSpec{
		"cursor":  {{name: limit, typ: "integer", size: true}, {name: cursor, typ: "string"}},
		"offset":  {{name: limit, typ: "integer", size: true}, {name: offset, typ: "integer"}},
		"page":    {{name: page, typ: "integer", min: 1}, {name: pageSize, typ: "integer", size: true}},
		"jsonapi": {{name: "page[size]", typ: "integer", size: true}, {name: "page[after]", typ: "string", alt: "page[before]"}},
	}
	style := o.String("style")
	want, ok := styles[style]
	if !ok {
		style, want = "cursor", styles["cursor"]
	}
	// Parameters that belong only to other styles: their presence mixes styles.
	foreign := map[string]string{}
	for _, st := range []string{"cursor", "offset", "page", "jsonapi"} {
		names := []string{}
		for _, s := range styles[st] {
			names = append(names, s.name, s.alt)
		}
		for _, n := range names {
			if n == "" {
				continue
			}
			if foreign[n] == "" {
				foreign[n] = st
			} else if !strings.Contains(foreign[n], st) {
				foreign[n] += "/" + st
			}
		}
	}
	for _, s := range want {
		delete(foreign, s.name)
		delete(foreign, s.alt)
	}
	maxLimit := o.Int("maxLimit")
	small := o.Int("smallCollectionLimit")
	checked := map[*spec.Node]bool{}

	for _, op := range ctx.Doc.Operations {
		li := detectList(op, "items", "page")
		if li == nil {
			continue
		}
		if mi := li.ArraySchema.Get("maxItems"); mi != nil {
			if n, err := strconv.Atoi(mi.Value); err == nil && n <= small {
				continue
			}
		}
		var missing []string
		for _, s := range want {
			p := op.Param(s.name, "query")
			if p == nil && s.alt != "" {
				p = op.Param(s.alt, "query")
			}
			if p == nil {
				missing = append(missing, describePageParam(s))
				continue
			}
			if !checked[p.Node] {
				checked[p.Node] = true
				checkPageParam(ctx, p, s, maxLimit)
			}
		}
		if len(missing) > 0 {
			ctx.Report(op.MethodKey, "%s returns a collection: add the %s pagination query %s %s", opLabel(op), style,
				nounFor(len(missing), "parameter", "parameters"), strings.Join(missing, " and "))
		}
		for _, p := range op.Params {
			if st, bad := foreign[p.Name]; bad && p.In == "query" && !checked[p.Node] {
				checked[p.Node] = true
				ctx.Report(declSite(p.Node.Get("name")), "`%s` is %s-style pagination: this API paginates in %s style (%s), so remove it", p.Name, st, style, styleParams(want))
			}
		}
	}
}

func describePageParam(s pageParamSpec) string {
	switch {
	case s.size:
		return fmt.Sprintf("`%s` ({type: integer, minimum: 1, maximum: …, default: …})", s.name)
	case s.alt != "":
		return fmt.Sprintf("`%s`/`%s` ({type: string})", s.name, s.alt)
	case s.typ == "integer":
		return fmt.Sprintf("`%s` ({type: integer, minimum: %d})", s.name, s.min)
	}
	return fmt.Sprintf("`%s` ({type: %s})", s.name, s.typ)
}

func styleParams(specs []pageParamSpec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return strings.Join(names, " + ")
}

// checkPageParam reports a pagination parameter of the wrong shape.
func checkPageParam(ctx *rule.Context, p *spec.Param, s pageParamSpec, maxLimit int) {
	if p.Required {
		ctx.Report(p.Node.Get("required"), "`%s` must be optional: clients may omit it to get the first page with the default size", p.Name)
	}
	schema := p.Schema(ctx.Set)
	at := declSite(p.Node.Get("schema"))
	if schema == nil {
		ctx.Report(declSite(p.Node.Get("name")), "`%s` needs a schema: %s", p.Name, describePageParam(s))
		return
	}
	if ts := schemaTypeList(schema); !schemaHasType(schema, s.typ) {
		got := "no type"
		if len(ts) > 0 {
			got = "type " + strings.Join(ts, "|")
		}
		ctx.Report(at, "`%s` must be of type %s, not %s", p.Name, s.typ, got)
		return
	}
	if s.typ != "integer" {
		return
	}
	num := func(kw string) (float64, bool) {
		v := schema.Get(kw)
		if v == nil {
			return 0, false
		}
		f, err := strconv.ParseFloat(v.Value, 64)
		return f, err == nil
	}
	lo, hasLo := num("minimum")
	if s.size {
		var lacks []string
		if !hasLo || lo < 1 {
			lacks = append(lacks, "minimum: 1")
		}
		hi, hasHi := num("maximum")
		if !hasHi {
			lacks = append(lacks, "a maximum")
		}
		if !schema.Has("default") {
			lacks = append(lacks, "a default")
		}
		if len(lacks) > 0 {
			ctx.Report(at, "page size `%s` needs %s, so clients know the bounds and the gateway can cap it", p.Name, andJoin(lacks))
		}
		if hasHi && maxLimit > 0 && hi > float64(maxLimit) {
			ctx.Report(schema.Get("maximum"), "page size `%s` allows up to %v items: the org maximum is %d", p.Name, hi, maxLimit)
		}
		return
	}
	if hasLo && lo < float64(s.min) {
		ctx.Report(schema.Get("minimum"), "`%s` must have minimum %d", p.Name, s.min)
	}
}
