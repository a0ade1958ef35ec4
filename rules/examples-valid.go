package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/gwctl/gwctl/lint/rule"
	"github.com/gwctl/gwctl/lint/spec"
)

// ExamplesValidID is the id of the examples-valid rule.
const ExamplesValidID = "examples-valid"

type examplesValid struct{}

func (examplesValid) Meta() rule.Meta {
	return rule.Meta{
		ID:       ExamplesValidID,
		Summary:  "Examples (media type, parameter, header and schema examples) validate against their schemas",
		Severity: rule.Error,
		Family:   "examples",
		Options: []rule.Option{
			{Name: "allowAdditionalProperties", Default: false, Description: "accept example members that an object schema with declared properties does not declare (off: a misspelt member is reported)"},
			{Name: "strictFormats", Default: false, Description: "check every known format; by default only date, date-time, uuid, email, uri and the int32/int64 ranges are checked"},
			{Name: "requireExamples", Default: false, Description: "every 2xx JSON response must carry an example"},
		},
		Fix: "Correct the example (or the schema, if the example shows what the API really sends). OpenAPI 3.0 schemas are read as OpenAPI 3.0 (nullable: true admits null), 3.1 schemas as JSON Schema 2020-12; readOnly members are not required in request examples, writeOnly members not in response examples.",
	}
}

func (examplesValid) Check(ctx *rule.Context) {
	x := newExampleChecker(ctx)
	x.run()
}

// exCtx is the direction an example travels in, which decides whether
// readOnly or writeOnly properties may be left out.
type exCtx uint8

const (
	exSchema   exCtx = iota // a schema's own example: both may be left out
	exRequest               // readOnly properties are not required
	exResponse              // writeOnly properties are not required
)

func (c exCtx) String() string {
	switch c {
	case exRequest:
		return "request"
	case exResponse:
		return "response"
	}
	return "schema"
}

// checkedFormats are the formats validated unless strictFormats is on.
var checkedFormats = map[string]bool{"date": true, "date-time": true, "uuid": true, "email": true, "uri": true, "int32": true, "int64": true}

// exampleMediaTypes are the non-JSON media types whose examples are values
// of their schema (form fields, plain text); other types (XML, CSV) carry
// examples in their own syntax and are not validated.
var exampleMediaTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// convKey identifies one converted schema resource.
type convKey struct {
	n    *spec.Node
	c    exCtx
	root bool // the schema an example is validated against (object members are closed here)
}

type compiled struct {
	s   *jsonschema.Schema
	url string // the resource URL it was compiled from
	err error
}

// exampleChecker validates the examples of one document. It converts the
// OpenAPI schemas it needs into JSON Schema 2020-12 resources, one resource
// per schema node and direction, and refers between them by URL, so
// recursive schemas are converted once and never expanded. Compiled schemas
// are cached per node for the whole Check.
type exampleChecker struct {
	ctx             *rule.Context
	set             *spec.Set
	is31            bool
	allowAdditional bool
	strictFormats   bool
	requireExamples bool

	comp     *jsonschema.Compiler
	urls     map[convKey]string
	sources  map[string]*spec.Node // resource URL → schema node
	pending  []convKey
	compiled map[convKey]compiled
	byText   map[string]compiled // ref-free root schemas by their JSON text
	declares map[*spec.Node]int8 // declaresProps memo: 1 yes, 2 no, 3 in progress
	directed map[*spec.Node]int8 // sensitive memo, same encoding

	seen map[*spec.Node]bool // parameters, headers, responses, media types, Example objects, schemas already visited
}

const exampleBaseURL = "https://gwctl.invalid/schema/"

func newExampleChecker(ctx *rule.Context) *exampleChecker {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("gwctl resolves schema references itself; %s is unknown", s)
	}
	c.Formats["int32"] = intRange(math.MinInt32, math.MaxInt32)
	c.Formats["int64"] = intRange(math.MinInt64, math.MaxInt64)
	return &exampleChecker{
		ctx:             ctx,
		set:             ctx.Set,
		is31:            ctx.Doc.Is31(),
		allowAdditional: ctx.Options.Bool("allowAdditionalProperties"),
		strictFormats:   ctx.Options.Bool("strictFormats"),
		requireExamples: ctx.Options.Bool("requireExamples"),
		comp:            c,
		urls:            map[convKey]string{},
		sources:         map[string]*spec.Node{},
		compiled:        map[convKey]compiled{},
		byText:          map[string]compiled{},
		declares:        map[*spec.Node]int8{},
		directed:        map[*spec.Node]int8{},
		seen:            map[*spec.Node]bool{},
	}
}

// intRange validates the int32/int64 formats: an integral number in range.
func intRange(lo, hi int64) func(any) bool {
	min, max := new(big.Rat).SetInt64(lo), new(big.Rat).SetInt64(hi)
	return func(v any) bool {
		var s string
		switch n := v.(type) {
		case json.Number:
			s = string(n)
		case float64:
			s = strconv.FormatFloat(n, 'g', -1, 64)
		default:
			return true // format applies to numbers only
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return true
		}
		return r.IsInt() && r.Cmp(min) >= 0 && r.Cmp(max) <= 0
	}
}

func (x *exampleChecker) once(n *spec.Node) bool {
	if n == nil || x.seen[n] {
		return false
	}
	x.seen[n] = true
	return true
}

// run visits every place an example can live: operation parameters, request
// bodies and responses, then the components (for ones no operation uses).
func (x *exampleChecker) run() {
	d := x.ctx.Doc
	for _, op := range d.Operations {
		for _, p := range op.Params {
			x.parameter(p.Node, exRequest)
		}
		if rb := op.RequestBody(); x.once(rb) {
			x.content(rb.Get("content"), exRequest, "request")
		}
		eachResponse(op, func(code string, _, resp *spec.Node) { x.response(code, resp) })
	}
	comps := d.Root.Get("components")
	comps.Get("parameters").Each(func(_ string, _, v *spec.Node) { x.parameter(x.set.Deref(v), exRequest) })
	comps.Get("headers").Each(func(_ string, _, v *spec.Node) { x.parameter(x.set.Deref(v), exResponse) })
	comps.Get("requestBodies").Each(func(_ string, _, v *spec.Node) {
		if rb := x.set.Deref(v); x.once(rb) {
			x.content(rb.Get("content"), exRequest, "request")
		}
	})
	comps.Get("responses").Each(func(_ string, _, v *spec.Node) { x.response("", x.set.Deref(v)) })
	comps.Get("schemas").Each(func(_ string, _, v *spec.Node) { x.schemaTree(v) })
}

// parameter checks a parameter or header object: its example(s) against its
// schema, or its content's.
func (x *exampleChecker) parameter(p *spec.Node, c exCtx) {
	if !p.IsMap() || !x.once(p) {
		return
	}
	what := "header"
	if c == exRequest {
		what = "parameter `" + p.Str("name") + "`"
	}
	if schema := p.Get("schema"); schema != nil {
		x.schemaTree(schema)
		x.holder(p, schema, c, what)
		return
	}
	x.content(p.Get("content"), c, what)
}

func (x *exampleChecker) response(code string, resp *spec.Node) {
	if !resp.IsMap() || !x.once(resp) {
		return
	}
	resp.Get("headers").Each(func(_ string, _, h *spec.Node) { x.parameter(x.set.Deref(h), exResponse) })
	label := "response"
	if code != "" {
		label = code + " response"
	}
	x.content(resp.Get("content"), exResponse, label)
	if x.requireExamples && isSuccessCode(code) {
		resp.Get("content").Each(func(mt string, k, media *spec.Node) {
			if mediaIsJSON(mt) && !media.Has("example") && !media.Has("examples") && !x.set.Deref(media.Get("schema")).Has("example") {
				x.ctx.Report(k, "the %s %s body has no example: add `example:` (or `examples:`) showing a realistic payload", label, mediaEssence(mt))
			}
		})
	}
}

// content checks each media type of a content map.
func (x *exampleChecker) content(content *spec.Node, c exCtx, label string) {
	content.Each(func(mt string, _, media *spec.Node) {
		if !media.IsMap() || !x.once(media) {
			return
		}
		schema := media.Get("schema")
		x.schemaTree(schema)
		if mediaIsJSON(mt) || mediaMatches(mt, exampleMediaTypes) {
			x.holder(media, schema, c, label+" "+mediaEssence(mt))
		}
	})
}

// holder validates the `example` and `examples` of a media type, parameter
// or header against schema.
func (x *exampleChecker) holder(h, schema *spec.Node, c exCtx, label string) {
	ex, exs := h.Get("example"), h.Get("examples")
	if ex != nil && exs != nil {
		x.ctx.Report(h.KeyNode("examples"), "the %s has both `example` and `examples`: keep one (tools show only one of them)", label)
	}
	if ex != nil && schema != nil {
		x.validate(schema, c, ex, ex, label+" example")
	}
	exs.Each(func(name string, k, raw *spec.Node) {
		e := x.set.Deref(raw)
		if !e.IsMap() {
			return
		}
		if e.Has("value") && e.Has("externalValue") && x.once(e) {
			x.ctx.Report(e.KeyNode("externalValue"), "example `%s` has both `value` and `externalValue`: keep one", name)
		}
		val := e.Get("value")
		if val == nil || schema == nil {
			return
		}
		if ref := spec.Ref(raw); ref != "" {
			// A shared example may fit one use and not another: report the use.
			x.validate(schema, c, val, k, fmt.Sprintf("%s example `%s` (%s)", label, name, ref))
			return
		}
		x.validate(schema, c, val, val, fmt.Sprintf("%s example `%s`", label, name))
	})
}

// schemaSubKeywords are the keywords whose values are subschemas, and how
// they hold them: one schema, a map of schemas or a list of schemas.
var schemaSubKeywords = map[string]byte{
	"properties": 'm', "patternProperties": 'm', "dependentSchemas": 'm', "$defs": 'm', "definitions": 'm',
	"additionalProperties": '1', "unevaluatedProperties": '1', "items": '1', "additionalItems": '1',
	"unevaluatedItems": '1', "contains": '1', "propertyNames": '1', "not": '1', "if": '1', "then": '1',
	"else": '1', "contentSchema": '1',
	"allOf": 'l', "anyOf": 'l', "oneOf": 'l', "prefixItems": 'l',
}

// schemaTree walks a schema and everything it refers to (once per node),
// validating each schema's own `example` (and, in 3.1, `examples`).
func (x *exampleChecker) schemaTree(n *spec.Node) {
	if !n.IsMap() || !x.once(n) {
		return
	}
	ref := spec.Ref(n)
	if ref != "" {
		x.schemaTree(x.set.Deref(n))
		if !x.is31 {
			return // OpenAPI 3.0 ignores $ref siblings
		}
	}
	if ex := n.Get("example"); ex != nil {
		x.validate(n, exSchema, ex, ex, "schema example")
	}
	if x.is31 {
		for i, ex := range n.Get("examples").Items() {
			x.validate(n, exSchema, ex, ex, "schema example "+strconv.Itoa(i))
		}
	}
	n.Each(func(k string, _, v *spec.Node) {
		switch schemaSubKeywords[k] {
		case '1':
			x.schemaTree(v)
		case 'm':
			v.Each(func(_ string, _, s *spec.Node) { x.schemaTree(s) })
		case 'l':
			for _, s := range v.Items() {
				x.schemaTree(s)
			}
		}
	})
}

// validate checks one example value against a schema and reports each
// failing keyword (at most three per example), at the offending member of
// an inline example or at site.
func (x *exampleChecker) validate(schema *spec.Node, c exCtx, value, site *spec.Node, label string) {
	sch, from, to := x.compile(schema, c)
	if sch == nil {
		return
	}
	err := safeValidate(sch, x.exampleValue(value, nil))
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return
	}
	leaves := x.dropUnevaluatedEchoes(x.leaves(ve, nil), from, to)
	sort.SliceStable(leaves, func(i, j int) bool {
		if leaves[i].InstanceLocation != leaves[j].InstanceLocation {
			return leaves[i].InstanceLocation < leaves[j].InstanceLocation
		}
		return leaves[i].KeywordLocation < leaves[j].KeywordLocation
	})
	if len(leaves) > 3 {
		leaves = leaves[:3]
	}
	for _, l := range leaves {
		kw, loc := x.schemaLocation(l, from, to)
		at := site
		if site == value {
			at = instanceNode(value, l.InstanceLocation, kw == "unevaluatedProperties")
		}
		where := "at the top level"
		if l.InstanceLocation != "" {
			where = "at " + l.InstanceLocation
		}
		x.ctx.Report(at, "%s is invalid %s: %s (schema keyword `%s` at %s; %s, %s context): fix the example or the schema",
			label, where, leafMessage(l, kw), kw, loc, x.dialect(), c)
	}
}

func (x *exampleChecker) dialect() string {
	if x.is31 {
		return "JSON Schema 2020-12"
	}
	return "OpenAPI 3.0 schema"
}

// leaves flattens a validation error to the failures worth reporting. An
// anyOf/oneOf failure is one finding, except the null-union of an OpenAPI
// 3.0 `nullable`, which is looked through.
func (x *exampleChecker) leaves(ve *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(out, ve)
	}
	switch lastToken(ve.KeywordLocation) {
	case "anyOf", "oneOf":
		if len(ve.Causes) == 2 {
			for i, cause := range ve.Causes {
				if strings.HasSuffix(cause.KeywordLocation, "/anyOf/0/type") && strings.HasPrefix(cause.Message, "expected null,") {
					return x.leaves(ve.Causes[1-i], out)
				}
			}
		}
		return append(out, ve)
	}
	for _, cause := range ve.Causes {
		out = x.leaves(cause, out)
	}
	return out
}

// dropUnevaluatedEchoes removes "member is not declared" failures for members
// the schema does declare: when a member (or a sibling) fails its own
// schema, JSON Schema records no annotation for it and reports it as
// unevaluated too.
func (x *exampleChecker) dropUnevaluatedEchoes(leaves []*jsonschema.ValidationError, from, to string) []*jsonschema.ValidationError {
	out := leaves[:0]
	for _, l := range leaves {
		if lastToken(l.KeywordLocation) == "unevaluatedProperties" {
			if n := x.schemaNodeAt(l, from, to); n != nil && x.declaresProp(n, lastToken(l.InstanceLocation), map[*spec.Node]bool{}) {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// declaresProp reports whether a schema, its $ref target or any of its
// allOf/anyOf/oneOf branches declares property name.
func (x *exampleChecker) declaresProp(n *spec.Node, name string, visited map[*spec.Node]bool) bool {
	if !n.IsMap() || visited[n] {
		return false
	}
	visited[n] = true
	if n.Get("properties").Has(name) {
		return true
	}
	if spec.Ref(n) != "" && x.declaresProp(x.set.Deref(n), name, visited) {
		return true
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		for _, b := range n.Get(kw).Items() {
			if x.declaresProp(b, name, visited) {
				return true
			}
		}
	}
	return false
}

func leafMessage(l *jsonschema.ValidationError, kw string) string {
	switch kw {
	case "unevaluatedProperties", "additionalProperties":
		if name := lastToken(l.InstanceLocation); name != "" && l.Message == "not allowed" {
			return "member `" + name + "` is not declared by the schema"
		}
	case "anyOf":
		return "it matches none of the anyOf alternatives"
	case "oneOf":
		if strings.Contains(l.Message, "valid against") {
			return l.Message
		}
		return "it matches none of the oneOf alternatives"
	}
	return l.Message
}

// schemaLocation maps a failing keyword back to the OpenAPI source: the
// keyword name and "#/components/schemas/Order/properties/orderId" (with the
// file name when the schema lives in another file).
func (x *exampleChecker) schemaLocation(l *jsonschema.ValidationError, from, to string) (string, string) {
	kw := lastToken(l.KeywordLocation)
	n := x.schemaNodeAt(l, from, to)
	if n == nil {
		return kw, "an inline schema"
	}
	loc := "#" + n.Pointer()
	if f := n.File(); f != nil && f != x.ctx.Doc.File {
		loc = f.Name + loc
	}
	return kw, loc
}

// schemaNodeAt returns the schema node holding a failing keyword.
func (x *exampleChecker) schemaNodeAt(l *jsonschema.ValidationError, from, to string) *spec.Node {
	url, frag, _ := strings.Cut(l.AbsoluteKeywordLocation, "#")
	if url == from {
		url = to
	}
	n := x.sources[url]
	if n == nil {
		return nil
	}
	toks := pointerTokens(frag)
	if len(toks) > 0 {
		toks = toks[:len(toks)-1] // the keyword itself
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case n.IsMap() && n.Get(t) != nil:
			n = n.Get(t)
		case n.IsSeq():
			if j, err := strconv.Atoi(t); err == nil && j >= 0 && j < n.Len() {
				n = n.Values[j]
			}
		case t == "anyOf" && i+1 < len(toks):
			i++ // the null union added for `nullable`
		}
	}
	return n
}

// instanceNode follows a JSON pointer into an example value; findings about
// a member point at its key.
func instanceNode(value *spec.Node, ptr string, member bool) *spec.Node {
	n := value
	for _, t := range pointerTokens(ptr) {
		var next *spec.Node
		switch {
		case n.IsMap():
			next = n.Get(t)
		case n.IsSeq():
			if j, err := strconv.Atoi(t); err == nil && j >= 0 && j < n.Len() {
				next = n.Values[j]
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	if n.IsScalar() && !member {
		return n
	}
	if _, k := n.Key(); k != nil {
		return k
	}
	return n
}

func pointerTokens(ptr string) []string {
	if ptr == "" || ptr == "/" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

func lastToken(ptr string) string {
	toks := pointerTokens(ptr)
	if len(toks) == 0 {
		return ""
	}
	return toks[len(toks)-1]
}

// compile returns the compiled JSON Schema that examples of schema (in
// direction c) are validated against, or nil if it cannot be built (an
// invalid schema is another rule's finding).
//
// It also returns the URL the schema was compiled from and the URL of this
// use: they differ when an identical root was compiled before (many inline
// property schemas read {"type":"string"}).
func (x *exampleChecker) compile(schema *spec.Node, c exCtx) (*jsonschema.Schema, string, string) {
	k := convKey{n: x.canonical(schema), root: true}
	if k.n == nil {
		return nil, "", ""
	}
	c = x.ctxFor(k.n, c)
	k.c = c
	if got, ok := x.compiled[k]; ok {
		return got.s, got.url, x.urls[k]
	}
	var doc any
	if x.isComponent(k.n) {
		// A schema others refer to is converted once, as its own resource;
		// the root only closes it against undeclared members.
		w := map[string]any{"$ref": x.urlFor(convKey{n: k.n, c: c})}
		if !x.allowAdditional && x.declaresProps(k.n) && !k.n.Has("additionalProperties") && !k.n.Has("unevaluatedProperties") {
			w["unevaluatedProperties"] = false
		}
		doc = w
	} else {
		doc = x.conv(k.n, c, true)
	}
	url := exampleBaseURL + strconv.Itoa(len(x.urls))
	x.urls[k] = url
	x.sources[url] = k.n
	text, err := json.Marshal(doc)
	if err != nil {
		text = []byte("true") // unrepresentable values: accept anything rather than fail
	}
	got, seen := x.byText[string(text)]
	if !seen {
		got.url = url
		if got.err = x.comp.AddResource(url, bytes.NewReader(text)); got.err == nil {
			x.flush()
			got.s, got.err = safeCompile(x.comp, url)
		}
		x.byText[string(text)] = got
	}
	x.compiled[k] = got
	return got.s, got.url, url
}

// exampleValue converts an example to plain JSON values like Node.Interface,
// but follows {$ref: …} objects inside it: by the letter of OpenAPI they are
// literal data, but bundlers resolve them and authors mean the target.
func (x *exampleChecker) exampleValue(n *spec.Node, stack []*spec.Node) any {
	if spec.Ref(n) != "" && n.Len() == 1 {
		t := x.set.Deref(n)
		if t != nil && !slices.Contains(stack, t) && len(stack) < 32 {
			return x.exampleValue(t, append(stack, t))
		}
	}
	switch {
	case n.IsMap():
		m := make(map[string]any, n.Len())
		n.Each(func(k string, _, v *spec.Node) { m[k] = x.exampleValue(v, stack) })
		return m
	case n.IsSeq():
		l := make([]any, n.Len())
		for i, v := range n.Items() {
			l[i] = x.exampleValue(v, stack)
		}
		return l
	}
	return n.Interface()
}

// safeCompile and safeValidate turn a panic inside the schema library (seen
// with unusual schemas) into an error: a lint rule must never crash a run.
func safeCompile(c *jsonschema.Compiler, url string) (s *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("jsonschema: %v", r)
		}
	}()
	return c.Compile(url)
}

func safeValidate(s *jsonschema.Schema, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = nil
		}
	}()
	return s.Validate(v)
}

// isComponent reports a schema that $refs point at: a named schema under a
// `schemas`/`$defs`/`definitions` map, one in another file, or one already
// converted as a reference target.
func (x *exampleChecker) isComponent(n *spec.Node) bool {
	if _, ok := x.urls[convKey{n: n, c: exSchema}]; ok {
		return true
	}
	if _, ok := x.urls[convKey{n: n, c: exRequest}]; ok {
		return true
	}
	if _, ok := x.urls[convKey{n: n, c: exResponse}]; ok {
		return true
	}
	if n.File() != x.ctx.Doc.File {
		return true
	}
	switch k, _ := n.Parent().Key(); k {
	case "schemas", "$defs", "definitions":
		return true
	}
	return false
}

// canonical is the node a schema use is keyed by: the target of a pure
// $ref, so every `$ref: '#/components/schemas/Order'` shares one entry.
func (x *exampleChecker) canonical(n *spec.Node) *spec.Node {
	for spec.Ref(n) != "" && (n.Len() == 1 || !x.is31 && !n.Bool("nullable")) {
		n = x.set.Deref(n)
	}
	return n
}

// urlFor returns the resource URL of a reference target, registering it
// for conversion.
func (x *exampleChecker) urlFor(k convKey) string {
	if u, ok := x.urls[k]; ok {
		return u
	}
	u := exampleBaseURL + strconv.Itoa(len(x.urls))
	x.urls[k] = u
	x.sources[u] = k.n
	x.pending = append(x.pending, k)
	return u
}

// flush converts and registers every pending reference target.
func (x *exampleChecker) flush() {
	for len(x.pending) > 0 {
		k := x.pending[0]
		x.pending = x.pending[1:]
		b, err := json.Marshal(x.conv(k.n, k.c, k.root))
		if err != nil {
			b = []byte("true")
		}
		_ = x.comp.AddResource(x.urls[k], bytes.NewReader(b)) // our own JSON: cannot fail to parse
	}
}

// Keywords OpenAPI 3.0 schemas understand; 3.1 schemas are JSON Schema
// 2020-12 and keep every validation keyword.
var oas30Keywords = map[string]bool{
	"type": true, "properties": true, "additionalProperties": true, "items": true, "allOf": true, "anyOf": true,
	"oneOf": true, "not": true, "required": true, "enum": true, "format": true, "pattern": true, "minimum": true,
	"maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, "minLength": true,
	"maxLength": true, "minItems": true, "maxItems": true, "uniqueItems": true, "minProperties": true,
	"maxProperties": true,
}

// copiedKeywords are validation keywords whose values are copied as is.
var copiedKeywords = map[string]bool{
	"enum": true, "const": true, "multipleOf": true, "maximum": true, "minimum": true, "maxLength": true,
	"minLength": true, "maxItems": true, "minItems": true, "uniqueItems": true, "maxProperties": true,
	"minProperties": true, "dependentRequired": true, "minContains": true, "maxContains": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true,
}

var jsonTypes = map[string]bool{"object": true, "array": true, "string": true, "number": true, "integer": true, "boolean": true, "null": true}

// subjectKeywords hold schemas that describe a value of their own (a member,
// an item), as opposed to composition branches of the same value; only
// subjects get closed against undeclared members.
var subjectKeywords = map[string]bool{
	"properties": true, "patternProperties": true, "additionalProperties": true, "unevaluatedProperties": true,
	"items": true, "prefixItems": true, "additionalItems": true, "unevaluatedItems": true, "contains": true,
}

// conv converts one OpenAPI schema node into a JSON Schema 2020-12 value.
// $refs become references to per-node resources (converted lazily), so the
// conversion never recurses through a reference.
func (x *exampleChecker) conv(n *spec.Node, c exCtx, subject bool) any {
	switch {
	case n == nil:
		return true
	case n.IsScalar():
		if n.Tag == "!!bool" {
			return strings.EqualFold(n.Value, "true")
		}
		return true
	case !n.IsMap():
		return true
	}
	out := map[string]any{}
	closed := subject && !x.allowAdditional
	if spec.Ref(n) != "" {
		t := x.set.Deref(n)
		if t == nil {
			return true
		}
		out["$ref"] = x.urlFor(convKey{n: t, c: x.ctxFor(t, c)})
		if !x.is31 {
			// OpenAPI 3.0 ignores $ref siblings; `nullable` next to a $ref is
			// honoured anyway, since that is what its authors mean.
			if closed && x.declaresProps(t) {
				out["unevaluatedProperties"] = false
			}
			if n.Bool("nullable") {
				return nullUnion(out)
			}
			return out
		}
	}
	exclusive := map[string]bool{}
	n.Each(func(k string, _, v *spec.Node) {
		if !x.is31 && !oas30Keywords[k] {
			return
		}
		switch kind := schemaSubKeywords[k]; {
		case k == "type":
			var ts []any
			for _, t := range schemaTypeList(n) {
				if jsonTypes[t] {
					ts = append(ts, t)
				}
			}
			if len(ts) == 1 {
				out["type"] = ts[0]
			} else if len(ts) > 1 {
				out["type"] = ts
			}
		case k == "required":
			var req []any
			for _, name := range v.Strings() {
				if !x.optionalIn(n, name, c) {
					req = append(req, name)
				}
			}
			if len(req) > 0 {
				out["required"] = req
			}
		case k == "format":
			if x.strictFormats || checkedFormats[v.Value] {
				out["format"] = v.Value
			}
		case k == "pattern":
			if _, err := cachedRegexp(v.Value); err == nil && v.IsScalar() {
				out["pattern"] = v.Value
			}
		case (k == "exclusiveMinimum" || k == "exclusiveMaximum") && v.Tag == "!!bool":
			exclusive[k] = strings.EqualFold(v.Value, "true") // OpenAPI 3.0 / draft 4 form
		case copiedKeywords[k]:
			out[k] = v.Interface()
		case kind == '1':
			if k == "items" && v.IsSeq() {
				return // draft-4 tuple form: not valid in either dialect
			}
			out[k] = x.conv(v, c, subjectKeywords[k])
		case kind == 'm':
			m := map[string]any{}
			v.Each(func(name string, _, s *spec.Node) {
				if k == "patternProperties" {
					if _, err := cachedRegexp(name); err != nil {
						return
					}
				}
				m[name] = x.conv(s, c, subjectKeywords[k])
			})
			out[k] = m
		case kind == 'l':
			var l []any
			for _, s := range v.Items() {
				l = append(l, x.conv(s, c, subjectKeywords[k]))
			}
			if len(l) > 0 {
				out[k] = l
			}
		}
	})
	for k, on := range exclusive {
		bound := map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}[k]
		if on && out[bound] != nil {
			out[k] = out[bound]
			delete(out, bound)
		}
	}
	if closed && !n.Has("additionalProperties") && !n.Has("unevaluatedProperties") && x.declaresProps(n) {
		out["unevaluatedProperties"] = false
	}
	if !x.is31 && n.Bool("nullable") {
		return nullUnion(out)
	}
	return out
}

// nullUnion applies OpenAPI 3.0 `nullable: true`: null is admitted in
// addition to whatever the schema admits.
func nullUnion(out map[string]any) any {
	_, hasRef := out["$ref"]
	composed := out["allOf"] != nil || out["anyOf"] != nil || out["oneOf"] != nil || out["not"] != nil
	if t, ok := out["type"].(string); ok && !hasRef && !composed {
		out["type"] = []any{t, "null"}
		if e, ok := out["enum"].([]any); ok {
			out["enum"] = append(e, nil)
		}
		return out
	}
	if _, typed := out["type"]; !typed && !hasRef && !composed && out["enum"] == nil && out["const"] == nil {
		return out // admits null already
	}
	return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, out}}
}

// optionalIn reports a required property that may be left out in direction
// c: readOnly in requests, writeOnly in responses, either in a schema's own
// example.
func (x *exampleChecker) optionalIn(schema *spec.Node, name string, c exCtx) bool {
	ps := findPropSchema(x.set, schema, name)
	if ps == nil {
		return false
	}
	t := x.set.Deref(ps)
	ro := ps.Bool("readOnly") || t.Bool("readOnly")
	wo := ps.Bool("writeOnly") || t.Bool("writeOnly")
	switch c {
	case exRequest:
		return ro
	case exResponse:
		return wo
	}
	return ro || wo
}

// ctxFor is the direction a schema is converted for: a schema whose
// conversion does not depend on the direction (nothing it reaches requires
// a readOnly or writeOnly member) is converted once, for all three.
func (x *exampleChecker) ctxFor(n *spec.Node, c exCtx) exCtx {
	if c == exSchema || !x.sensitive(n) {
		return exSchema
	}
	return c
}

// sensitive reports a schema that requires a readOnly or writeOnly member,
// itself or in any schema it reaches. Inside a reference cycle the answer
// may err towards false, which only makes validation more lenient.
func (x *exampleChecker) sensitive(n *spec.Node) bool {
	if !n.IsMap() {
		return false
	}
	switch x.directed[n] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	x.directed[n] = 3
	yes := false
	for _, name := range n.Get("required").Strings() {
		if x.optionalIn(n, name, exSchema) {
			yes = true
			break
		}
	}
	if !yes && spec.Ref(n) != "" {
		yes = x.sensitive(x.set.Deref(n))
	}
	if !yes {
		n.Each(func(k string, _, v *spec.Node) {
			if yes {
				return
			}
			switch schemaSubKeywords[k] {
			case '1':
				yes = x.sensitive(v)
			case 'm':
				v.Each(func(_ string, _, s *spec.Node) { yes = yes || x.sensitive(s) })
			case 'l':
				for _, s := range v.Items() {
					yes = yes || x.sensitive(s)
				}
			}
		})
	}
	if yes {
		x.directed[n] = 1
	} else {
		x.directed[n] = 2
	}
	return yes
}

// findPropSchema finds the schema of property name declared by a schema or
// its allOf branches.
func findPropSchema(set *spec.Set, schema *spec.Node, name string) *spec.Node {
	var found *spec.Node
	forAllOf(set, schema, func(n *spec.Node) {
		if found == nil {
			found = n.Get("properties").Get(name)
		}
	})
	return found
}

// declaresProps reports an object schema that lists its members: it (or a
// schema it refers to or composes) has `properties`. Only such schemas are
// closed against undeclared example members; free-form objects stay open.
func (x *exampleChecker) declaresProps(n *spec.Node) bool {
	if !n.IsMap() {
		return false
	}
	switch x.declares[n] {
	case 1:
		return true
	case 2, 3:
		return false
	}
	x.declares[n] = 3
	yes := n.Get("properties").Len() > 0
	if !yes && spec.Ref(n) != "" {
		yes = x.declaresProps(x.set.Deref(n))
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		for _, b := range n.Get(kw).Items() {
			if !yes {
				yes = x.declaresProps(b)
			}
		}
	}
	if yes {
		x.declares[n] = 1
	} else {
		x.declares[n] = 2
	}
	return yes
}
