package store

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/gwctl/gwctl/gateway/config"
)

// TestDeepCopySharesNothing fills every field of every config type
// (whatever fields are added later) and checks that the copy is equal and
// shares no memory with the original.
func TestDeepCopySharesNothing(t *testing.T) {
	var orig config.Config
	fill(reflect.ValueOf(&orig).Elem(), 0)
	cp := deepCopy(orig)
	if !reflect.DeepEqual(orig, cp) {
		t.Fatal("copy differs from the original")
	}
	checkDisjoint(t, "Config", reflect.ValueOf(orig), reflect.ValueOf(cp))

	cons := config.Consumer{}
	fill(reflect.ValueOf(&cons).Elem(), 0)
	ccp := deepCopy(cons)
	if !reflect.DeepEqual(cons, ccp) {
		t.Fatal("consumer copy differs")
	}
	checkDisjoint(t, "Consumer", reflect.ValueOf(cons), reflect.ValueOf(ccp))
}

// fill sets every settable field to a non-zero value, two elements per
// slice and map.
func fill(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), depth+1)
			if s.Index(i).Kind() == reflect.String {
				s.Index(i).SetString("s" + string(rune('0'+i)))
			}
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, depth+1)
			if k.Kind() == reflect.String {
				k.SetString("k" + string(rune('0'+i)))
			}
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		if v.Type().PkgPath() == "time" {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

func checkDisjoint(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer, reflect.Map:
		if a.IsNil() {
			return
		}
		if a.UnsafePointer() == b.UnsafePointer() {
			t.Errorf("%s: shared %s", path, a.Kind())
		}
		if a.Kind() == reflect.Pointer {
			checkDisjoint(t, path+".*", a.Elem(), b.Elem())
			return
		}
		it := a.MapRange()
		for it.Next() {
			checkDisjoint(t, path+"[k]", it.Value(), b.MapIndex(it.Key()))
		}
	case reflect.Slice:
		if a.Len() == 0 {
			return
		}
		if unsafe.Pointer(a.Index(0).Addr().UnsafePointer()) == b.Index(0).Addr().UnsafePointer() {
			t.Errorf("%s: shared slice", path)
		}
		for i := range a.Len() {
			checkDisjoint(t, path+"[]", a.Index(i), b.Index(i))
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				checkDisjoint(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
}
