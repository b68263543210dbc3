package transit

import (
	"reflect"
	"testing"

	"github.com/egide/egide/vault/internal/memstore"
)

// memStorage is the in-memory Storage the tests use (vault/internal/memstore).
type memStorage = memstore.Store

func newMemStorage() *memStorage { return memstore.New() }

var _ Storage = (*memStorage)(nil)

// TestEngineOverMemStorage: the engine keeps its keys under policy/<name>
// and a second engine over the same storage sees them.
func TestEngineOverMemStorage(t *testing.T) {
	ctx := t.Context()
	st := newMemStorage()
	e := New(st, Options{})
	for _, name := range []string{"b-key", "a-key"} {
		if _, err := e.CreateKey(ctx, name, CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := st.List(ctx, ""); !reflect.DeepEqual(got, []string{"policy/a-key", "policy/b-key"}) {
		t.Fatalf("stored keys: %q", got)
	}
	rs, err := e.Encrypt(ctx, "a-key", []Item{{Plaintext: []byte("through storage")}})
	if err != nil || rs[0].Err != nil {
		t.Fatal(err, rs)
	}
	other := New(st, Options{})
	if names, err := other.Keys(ctx); err != nil || !reflect.DeepEqual(names, []string{"a-key", "b-key"}) {
		t.Fatalf("Keys: %q, %v", names, err)
	}
	out, err := other.Decrypt(ctx, "a-key", []Item{{Ciphertext: rs[0].Ciphertext}})
	if err != nil || out[0].Err != nil || string(out[0].Plaintext) != "through storage" {
		t.Fatalf("decrypt through a second engine: %+v, %v", out, err)
	}
}
