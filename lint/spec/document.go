package spec

import (
	"path/filepath"
	"strings"
)

// newDocument builds the operation view of a root file.
func newDocument(s *Set, f *File) *Document {
	d := &Document{Set: s, File: f, Root: f.Root, Version: f.Root.Str("openapi")}
	d.Service = d.Root.Path("info").Str("x-service")
	if d.Service == "" {
		d.Service = serviceFromFileName(f.Path)
	}
	rootSec := d.Root.Get("security")
	d.Root.Get("paths").Each(func(path string, pk, raw *Node) {
		item := s.Deref(raw)
		if !item.IsMap() {
			return
		}
		itemParams := item.Get("parameters")
		item.Each(func(method string, mk, op *Node) {
			if !IsMethod(method) || !op.IsMap() {
				return
			}
			o := &Operation{Doc: d, Path: path, PathKey: pk, PathItem: item, Method: method, MethodKey: mk, Node: op}
			o.Params = mergeParams(s, itemParams, op.Get("parameters"))
			if sec := op.Get("security"); sec != nil {
				o.Security = sec
			} else if rootSec != nil {
				o.Security, o.SecurityFromRoot = rootSec, true
			}
			d.Operations = append(d.Operations, o)
		})
	})
	return d
}

// mergeParams applies OpenAPI's rule: operation parameters override path-item
// parameters with the same name and location.
func mergeParams(s *Set, itemParams, opParams *Node) []*Param {
	var out []*Param
	index := map[string]int{}
	add := func(list *Node) {
		for _, use := range list.Items() {
			p := s.Deref(use)
			if !p.IsMap() {
				continue
			}
			prm := &Param{Name: p.Str("name"), In: p.Str("in"), Required: p.Bool("required"), Node: p, Use: use}
			k := prm.In + "\x00" + prm.Name
			if i, ok := index[k]; ok {
				out[i] = prm
				continue
			}
			index[k] = len(out)
			out = append(out, prm)
		}
	}
	add(itemParams)
	add(opParams)
	return out
}

// serviceFromFileName names a service without info.x-service: the file's
// base name without extensions (orders.yaml, orders.openapi.json → orders),
// or, for the conventional services/orders/openapi.yaml layout, the
// directory's name.
func serviceFromFileName(path string) string {
	base := filepath.Base(path)
	stem := strings.TrimSuffix(strings.TrimSuffix(base, filepath.Ext(base)), ".openapi")
	if strings.EqualFold(stem, "openapi") || strings.EqualFold(stem, "swagger") || strings.EqualFold(stem, "api") {
		if dir := filepath.Base(filepath.Dir(path)); dir != "." && dir != string(filepath.Separator) && dir != "" {
			return dir
		}
	}
	return stem
}
