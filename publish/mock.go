package publish

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gwctl/gwctl/gateway/config"
	"github.com/gwctl/gwctl/lint/spec"
)

var templateVar = regexp.MustCompile(`\{[^{}/]*\}`)

// mockFor builds the canned response of an operation from its own examples:
// the lowest 2xx response (200 when there is none), its first JSON media
// type (else its first), and the media type's example, first named example,
// or the schema's example; failing those, a minimal body built from the
// schema.
func mockFor(op *spec.Operation) *config.Mock {
	set := op.Doc.Set
	status, resp := 0, (*spec.Node)(nil)
	op.Responses().Each(func(code string, _, v *spec.Node) {
		c := 0
		switch {
		case strings.EqualFold(code, "2XX"):
			c = 200
		case len(code) == 3 && code[0] == '2':
			c, _ = strconv.Atoi(code)
		}
		if c >= 200 && c < 300 && (status == 0 || c < status) {
			status, resp = c, set.Deref(v)
		}
	})
	if status == 0 {
		status = 200
	}
	m := &config.Mock{Status: status}
	if status == 204 || status == 205 {
		return m
	}
	content := resp.Get("content")
	var mt string
	var media *spec.Node
	content.Each(func(k string, _, v *spec.Node) {
		if media == nil || (!isJSON(mt) && isJSON(k)) {
			mt, media = k, v
		}
	})
	if media == nil {
		return m
	}
	m.Headers = map[string]string{"Content-Type": mt}
	ex := exampleOf(set, media)
	if ex == nil {
		var v any
		if isJSON(mt) || strings.Contains(mt, "*") {
			v = minimal(set, set.Deref(media.Get("schema")), 0)
		}
		if v == nil && !isJSON(mt) {
			return m
		}
		m.Body = encodeJSON(v)
		return m
	}
	if ex.IsScalar() && !isJSON(mt) {
		m.Body = ex.Value
		return m
	}
	m.Body = encodeJSON(ex.Interface())
	return m
}

func isJSON(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// exampleOf returns the example node of a media type object.
func exampleOf(set *spec.Set, media *spec.Node) *spec.Node {
	if ex := media.Get("example"); ex != nil {
		return ex
	}
	if exs := media.Get("examples"); exs.Len() > 0 {
		if v := set.Deref(exs.Values[0]).Get("value"); v != nil {
			return v
		}
	}
	schema := set.Deref(media.Get("schema"))
	if ex := schema.Get("example"); ex != nil {
		return ex
	}
	if exs := schema.Get("examples"); exs.Len() > 0 && exs.IsSeq() {
		return exs.Values[0]
	}
	return nil
}

// minimal builds the smallest value a schema accepts that still shows its
// shape: required properties, enums' first values, defaults.
func minimal(set *spec.Set, s *spec.Node, depth int) any {
	if s == nil || depth > 8 {
		return nil
	}
	if ex := s.Get("example"); ex != nil {
		return ex.Interface()
	}
	if d := s.Get("default"); d != nil {
		return d.Interface()
	}
	if e := s.Get("enum"); e.Len() > 0 {
		return e.Values[0].Interface()
	}
	if c := s.Get("const"); c != nil {
		return c.Interface()
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts := s.Get(k); alts.Len() > 0 {
			return minimal(set, set.Deref(alts.Values[0]), depth+1)
		}
	}
	if all := s.Get("allOf"); all.Len() > 0 {
		obj := map[string]any{}
		for _, part := range all.Items() {
			if m, ok := minimal(set, set.Deref(part), depth+1).(map[string]any); ok {
				for k, v := range m {
					obj[k] = v
				}
			}
		}
		return obj
	}
	typ := s.Str("type")
	if t := s.Get("type"); t.IsSeq() && t.Len() > 0 {
		typ = t.Values[0].Value
	}
	switch {
	case typ == "object" || (typ == "" && s.Has("properties")):
		obj := map[string]any{}
		props := s.Get("properties")
		for _, name := range s.Get("required").Strings() {
			obj[name] = minimal(set, set.Deref(props.Get(name)), depth+1)
		}
		return obj
	case typ == "array":
		return []any{}
	case typ == "string":
		return "string"
	case typ == "integer", typ == "number":
		return 0
	case typ == "boolean":
		return false
	}
	return nil
}

func encodeJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// sameValue reports equal configuration values: deeply equal, or equal in
// their JSON form (a live value decoded from JSON may hold nil where a
// rendered one holds an empty slice).
func sameValue(a, b any) bool {
	return reflect.DeepEqual(a, b) || canonicalJSON(a) == canonicalJSON(b)
}

// canonicalJSON is a comparable form of a value (maps sorted by encoding/json).
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func compactJSON(b []byte) ([]byte, error) {
	var out bytes.Buffer
	err := json.Compact(&out, b)
	return out.Bytes(), err
}

// sortStrings returns a sorted copy.
func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
