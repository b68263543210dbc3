package repo

import (
	"encoding/binary"
	"testing"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/vault"
)

// FuzzDecodeNode feeds arbitrary tree-node bodies (with 0–3 header
// references) to the decoder: it must never panic, and every node it
// accepts must use exactly the references it was given.
func FuzzDecodeNode(f *testing.F) {
	k, err := vault.NewKey()
	if err != nil {
		f.Fatal(err)
	}
	leaf := []byte{nodeLeaf, 2}
	leaf = appendBytes(leaf, "A")
	leaf = append(leaf, 0)
	leaf = appendBytes(leaf, "value")
	leaf = appendBytes(leaf, "B")
	leaf = append(leaf, 1, 0)
	f.Add(leaf, uint8(1))
	f.Add([]byte{nodeInner, 0x80, 0x01, 3, 7}, uint8(2))
	f.Add([]byte{nodeLeaf, 0}, uint8(0))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, body []byte, nrefs uint8) {
		tr := &tree{key: k, epoch: 1}
		h := object.Header{Type: object.TypeTree, Epoch: 1}
		for i := 0; i < int(nrefs%4); i++ {
			h.Refs = append(h.Refs, object.ID{byte(i + 1)})
		}
		n, err := tr.decodeNode(h, body)
		if err != nil {
			return
		}
		used := map[object.ID]bool{}
		if n.leaf {
			for _, e := range n.entries {
				if !e.blob.IsZero() {
					used[e.blob] = true
				} else if !e.loaded {
					t.Fatal("inline entry not loaded")
				}
			}
		} else {
			for _, c := range n.children {
				if !c.IsZero() {
					used[c] = true
				}
			}
		}
		for _, r := range h.Refs {
			if !used[r] {
				t.Fatalf("accepted node leaves reference %v unused", r)
			}
		}
	})
}

// FuzzDecodeCommit checks that the commit decoder never panics and that
// what it accepts re-encodes to the same bytes.
func FuzzDecodeCommit(f *testing.F) {
	id, _, err := vault.GenerateIdentity()
	if err != nil {
		f.Fatal(err)
	}
	c := &Commit{Tree: object.ID{1}, Parents: []object.ID{{2}}, Author: "A <a@b>", Signer: id.SigningKey(), Message: "msg"}
	b := c.unsigned()
	f.Add(append(b, make([]byte, 64)...))
	f.Add([]byte{1})
	f.Add(binary.AppendUvarint([]byte{1}, 1<<40))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeCommit(data)
		if err != nil {
			return
		}
		again := append(c.unsigned(), c.Signature...)
		if string(again) != string(data) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, data)
		}
	})
}

// FuzzDecodeWork checks the working-state row decoder: no panics, and what
// it accepts re-encodes to the same bytes.
func FuzzDecodeWork(f *testing.F) {
	f.Add(appendBytes(appendBytes([]byte{1}, "KEY"), "value"))
	f.Add(appendBytes([]byte{2}, "KEY"))
	f.Add([]byte{3})
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := decodeWork(body)
		if err != nil {
			return
		}
		again := []byte{1}
		if c.del {
			again[0] = 2
		}
		again = appendBytes(again, c.name)
		if !c.del {
			again = appendBytes(again, c.value)
		}
		if string(again) != string(body) {
			t.Fatalf("re-encoding differs: %x vs %x", again, body)
		}
	})
}

// FuzzDecodeHead checks the HEAD cache decoder: no panics, and what it
// accepts re-encodes to the same bytes.
func FuzzDecodeHead(f *testing.F) {
	b := binary.AppendUvarint(nil, 2)
	b = appendBytes(appendBytes(b, "A"), "1")
	b = appendBytes(appendBytes(b, "B"), "")
	f.Add(b)
	f.Add([]byte{0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		es, err := decodeHead(string(body))
		if err != nil {
			return
		}
		again := binary.AppendUvarint(nil, uint64(len(es)))
		for _, e := range es {
			again = appendBytes(appendBytes(again, e.Key), e.Value)
		}
		if string(again) != string(body) {
			t.Fatalf("re-encoding differs: %x vs %x", again, body)
		}
	})
}

// FuzzDecodeHeadFile checks the HEAD file body decoder: no panics, and
// what it accepts re-encodes to the same bytes.
func FuzzDecodeHeadFile(f *testing.F) {
	f.Add(appendHeadFileBody(nil, []Entry{{Key: "A", Value: "1"}, {Key: "B", Value: "x=${A}"}, {Key: "C", Value: ""}}))
	f.Add([]byte{0})
	f.Add([]byte{1, 1, 0, 'A', '='})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		pairs, err := decodeHeadFile(string(body))
		if err != nil {
			return
		}
		s := secrets{pairs: pairs}
		if again := appendHeadFileBody(nil, s.list()); string(again) != string(body) {
			t.Fatalf("re-encoding differs: %x vs %x", again, body)
		}
	})
}

// FuzzDecodeRunCache checks the run cache body decoder: no panics, and
// what it accepts re-encodes to the same bytes.
func FuzzDecodeRunCache(f *testing.F) {
	f.Add(appendRunCacheBody(nil, &Resolved{Env: "dev", Head: object.ID{1, 2}, Pairs: []string{"A=1", "B=x=${A}", "C="}}))
	f.Add(appendRunCacheBody(nil, &Resolved{Env: "prod"}))
	f.Add([]byte{3, 'd', 'e', 'v'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeRunCache(string(body))
		if err != nil {
			return
		}
		if again := appendRunCacheBody(nil, &res); string(again) != string(body) {
			t.Fatalf("re-encoding differs: %x vs %x", again, body)
		}
	})
}

// FuzzUvarintString checks the string uvarint decoder against
// object.Uvarint on the same bytes.
func FuzzUvarintString(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{0x80, 0x00})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		v1, k1 := object.Uvarint(b)
		v2, k2 := uvarintString(string(b))
		if (k1 > 0) != (k2 > 0) || k1 > 0 && (v1 != v2 || k1 != k2) {
			t.Fatalf("%x: object.Uvarint = %d,%d; uvarintString = %d,%d", b, v1, k1, v2, k2)
		}
	})
}
