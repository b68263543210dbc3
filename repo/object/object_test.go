package object

import (
	"bytes"
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	tests := []Header{
		{Type: TypeBlob, Epoch: 1},
		{Type: TypeTree, Env: EnvID{1, 2, 3}, Epoch: 7, Refs: []ID{{1}, {2}, {0xff}}},
		{Type: TypeCommit, Epoch: 1 << 31, Refs: []ID{{9}}},
	}
	for _, h := range tests {
		t.Run(h.Type.String(), func(t *testing.T) {
			data := append(h.Append(nil), "sealed body"...)
			got, n, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if string(data[n:]) != "sealed body" {
				t.Fatalf("body = %q", data[n:])
			}
			if got.Type != h.Type || got.Env != h.Env || got.Epoch != h.Epoch || len(got.Refs) != len(h.Refs) {
				t.Fatalf("got %+v, want %+v", got, h)
			}
			for i := range h.Refs {
				if got.Refs[i] != h.Refs[i] {
					t.Fatalf("ref %d = %v", i, got.Refs[i])
				}
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	good := (&Header{Type: TypeTree, Epoch: 1, Refs: []ID{{1}}}).Append(nil)
	tests := map[string][]byte{
		"empty":       nil,
		"bad magic":   append([]byte("XGO"), good[3:]...),
		"bad version": append(append([]byte{}, good[:3]...), append([]byte{9}, good[4:]...)...),
		"bad type":    append(append([]byte{}, good[:4]...), append([]byte{0}, good[5:]...)...),
		"truncated":   good[:len(good)-1],
		"zero epoch":  (&Header{Type: TypeBlob}).Append(nil),
		"too large":   make([]byte, MaxSize+1),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Decode(data); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	id := Hash([]byte("x"))
	back, err := ParseID(id.String())
	if err != nil || back != id {
		t.Fatalf("ParseID(%s) = %v, %v", id, back, err)
	}
	if len(id.Short()) != 10 || !bytes.HasPrefix([]byte(id.String()), []byte(id.Short())) {
		t.Fatalf("Short = %s", id.Short())
	}
	for _, bad := range []string{"", "zz", id.String()[:63], id.String() + "0"} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// re-encodes to the same header bytes.
func FuzzDecode(f *testing.F) {
	f.Add((&Header{Type: TypeTree, Env: EnvID{1}, Epoch: 3, Refs: []ID{{1}, {2}}}).Append(nil))
	f.Add((&Header{Type: TypeCommit, Epoch: 1}).Append([]byte{}))
	f.Add([]byte("EGO\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, n, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if again := h.Append(nil); !bytes.Equal(again, data[:n]) {
			t.Fatalf("re-encoding differs: %x vs %x", again, data[:n])
		}
	})
}
