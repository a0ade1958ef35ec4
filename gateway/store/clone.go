package store

import (
	"reflect"
	"sync"
)

// deepCopy returns a copy of v that shares no memory reachable through
// pointers, slices, maps or interfaces with v (strings are immutable and
// shared). It is generic over the config types, so a field added to them
// later is copied without anyone remembering to: TestDeepCopyShares
// nothing checks that. Unexported fields are copied by value only (the
// config types have none that point anywhere).
func deepCopy[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if isFlat(src.Type().Elem()) {
			reflect.Copy(s, src)
		} else {
			for i := range src.Len() {
				copyValue(s.Index(i), src.Index(i))
			}
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			copyValue(k, it.Key())
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, it.Value())
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		copyValue(e, src.Elem())
		dst.Set(e)
	case reflect.Struct:
		dst.Set(src) // every field, unexported ones included, by value
		for i := range src.NumField() {
			if src.Type().Field(i).IsExported() && !isFlat(src.Field(i).Type()) {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

var flatTypes sync.Map // reflect.Type → bool

// isFlat reports whether values of t hold no references (copying them by
// value is a deep copy).
func isFlat(t reflect.Type) bool {
	if v, ok := flatTypes.Load(t); ok {
		return v.(bool)
	}
	flat := computeFlat(t)
	flatTypes.Store(t, flat)
	return flat
}

func computeFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	case reflect.Array:
		return computeFlat(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !computeFlat(t.Field(i).Type) {
				return false
			}
		}
		return true
	default:
		return true
	}
}
