package transit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The fuzz key: aes256-gcm96 with a fixed key (32 bytes of 0x42), so that
// seeds can hold ciphertexts that decrypt. Made once per process, cached.
var fuzzKey struct {
	once sync.Once
	e    *Engine
	err  error
}

func fuzzEngine(t testing.TB) *Engine {
	t.Helper()
	fuzzKey.once.Do(func() {
		e := New(newMemStorage(), Options{Cache: true})
		b, _ := json.Marshal(stored{Format: storeFormat, Name: "fuzz", Type: AES256GCM96, MinDecryptionVersion: 1,
			Versions: []storedVersion{{Key: bytes.Repeat([]byte{0x42}, 32), HMACKey: make([]byte, 32)}}})
		_, fuzzKey.err = e.Restore(context.Background(), b, cloneBytes, RestoreOptions{})
		fuzzKey.e = e
	})
	if fuzzKey.err != nil {
		t.Fatal(fuzzKey.err)
	}
	return fuzzKey.e
}

// Ciphertexts of "hello fuzz" and "rewrap me" under the fuzz key.
const (
	fuzzCT1 = "vault:v1:ZnV6ei1ub25jZS1ofd/yhxn+cQTNCGiiaHaJs+rlttsHdB5i4Y0="
	fuzzCT2 = "vault:v1:ZnV6ei1ub25jZS1yk10E0l6YbCnieb03KFSP+YdXcgQrQ7SAHw=="
)

var batchSeeds = []string{
	`[{"plaintext":"aGVsbG8gd29ybGQ=","reference":"r1"},{"plaintext":""}]`,
	`[{"ciphertext":"` + fuzzCT1 + `","reference":"x"},{"ciphertext":"` + fuzzCT2 + `"}]`,
	`[{"ciphertext":"` + fuzzCT2 + `","key_version":1}]`,
	`[{"plaintext":"not base64!"},{"plaintext":"QUJD","context":"@@@@"}]`,
	`[{"plaintext":"QUJD","nonce":"AAAAAAAAAAAAAAAA"}]`,
	`[]`,
	`{"plaintext":"QUJD"}`,
	`[{"plaintext":"QUJD"}] [1]`,
	`[{"key_version":"1","plaintext":"QUJD"}]`,
	`[{"plaintext":"QUJD","context":"Y3R4"},{"plaintext":"QUJD","key_version":2},{"ciphertext":"vault:v1:AAAA","plaintext":"QUJD"}]`,
	`null`,
	`[{"plaintext":"QU`,
}

// TestParseBatch pins what ParseBatch makes of the seeds.
func TestParseBatch(t *testing.T) {
	tests := []struct {
		in       string
		op       Op
		batchErr bool
		itemErrs []error // per item, nil for a good one
	}{
		{batchSeeds[0], OpEncrypt, false, []error{nil, nil}},
		{batchSeeds[0], OpDecrypt, false, []error{ErrInvalid, ErrInvalid}},
		{batchSeeds[1], OpDecrypt, false, []error{nil, nil}},
		{batchSeeds[1], OpEncrypt, false, []error{ErrInvalid, ErrInvalid}},
		{batchSeeds[2], OpRewrap, false, []error{nil}},
		{batchSeeds[2], OpDecrypt, false, []error{ErrInvalid}}, // decrypt takes no key_version
		{batchSeeds[3], OpEncrypt, false, []error{ErrInvalid, ErrInvalid}},
		{batchSeeds[4], OpEncrypt, true, nil},
		{batchSeeds[5], OpEncrypt, true, nil},
		{batchSeeds[6], OpEncrypt, true, nil},
		{batchSeeds[7], OpEncrypt, true, nil},
		{batchSeeds[8], OpEncrypt, true, nil},
		{batchSeeds[9], OpEncrypt, false, []error{nil, nil, ErrInvalid}},
		{batchSeeds[10], OpEncrypt, true, nil},
		{batchSeeds[11], OpEncrypt, true, nil},
		{`[{"plaintext":"QUJD","key_version":-1}]`, OpEncrypt, false, []error{ErrInvalid}},
	}
	for _, tc := range tests {
		items, err := ParseBatch([]byte(tc.in), tc.op)
		if tc.batchErr {
			if !errors.Is(err, ErrInvalid) || items != nil {
				t.Errorf("%s %s: %d items, %v; want ErrInvalid", tc.op, tc.in, len(items), err)
			}
			continue
		}
		if err != nil || len(items) != len(tc.itemErrs) {
			t.Errorf("%s %s: %d items, %v", tc.op, tc.in, len(items), err)
			continue
		}
		for i, it := range items {
			if want := tc.itemErrs[i]; !errors.Is(it.Err, want) || (want == nil) != (it.Err == nil) {
				t.Errorf("%s %s: item %d error %v, want %v", tc.op, tc.in, i, it.Err, want)
			}
		}
	}
	items, _ := ParseBatch([]byte(batchSeeds[0]), OpEncrypt)
	if string(items[0].Plaintext) != "hello world" || items[0].Reference != "r1" || len(items[1].Plaintext) != 0 {
		t.Errorf("decoded %+v", items)
	}
	items, _ = ParseBatch([]byte(batchSeeds[9]), OpEncrypt)
	if string(items[0].Context) != "ctx" || items[1].Version != 2 {
		t.Errorf("decoded %+v", items)
	}
	// The seeds' ciphertexts are the fuzz key's.
	e := fuzzEngine(t)
	for ct, want := range map[string]string{fuzzCT1: "hello fuzz", fuzzCT2: "rewrap me"} {
		if r := mustDecrypt(t, e, "fuzz", Item{Ciphertext: ct}); string(r.Plaintext) != want {
			t.Errorf("%s decrypts to %q", ct, r.Plaintext)
		}
	}
}

// jsonStrings returns the object keys and the string values of a JSON
// text, as far as it parses (trailing values included).
func jsonStrings(data []byte) (keys, values []string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var objects []bool // per open container: is it an object
	inObject := func() bool { return len(objects) > 0 && objects[len(objects)-1] }
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return keys, values
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				objects = append(objects, v == '{')
				wantKey = v == '{'
			default:
				objects = objects[:len(objects)-1]
				wantKey = inObject()
			}
		case string:
			if wantKey {
				keys = append(keys, v)
				wantKey = false
			} else {
				values = append(values, v)
				wantKey = inObject()
			}
		default:
			wantKey = inObject()
		}
	}
}

// quotedValue returns a string value of the input that msg quotes, if any.
// To be sound it only looks at values that no message text could contain
// by chance: over 8 characters, all from the base64 alphabet, with an
// upper-case letter (the fixed texts have no such run; the numbers they
// quote have no letters). Object keys may be named in errors (an unknown
// field), so values found in a key, or in its %q form, are not counted.
func quotedValue(msg string, keys, values []string) string {
	for _, v := range values {
		if len(v) <= 8 || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" ||
			!strings.ContainsAny(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.Contains(msg, v) {
			continue
		}
		if slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(k, v) || strings.Contains(strconv.Quote(k), v) }) {
			continue
		}
		return v
	}
	return ""
}

var engineErrors = []error{ErrInvalid, ErrTooLarge, ErrMalformed, ErrVersion, ErrDecrypt}

func FuzzParseBatch(f *testing.F) {
	for _, s := range batchSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, values := jsonStrings(data)
		checkErr := func(what string, err error, allowed ...error) {
			t.Helper()
			if !slices.ContainsFunc(allowed, func(target error) bool { return errors.Is(err, target) }) {
				t.Fatalf("%s: error %v is none of %v", what, err, allowed)
			}
			if v := quotedValue(err.Error(), keys, values); v != "" {
				t.Fatalf("%s: error %q quotes the input's value %q", what, err, v)
			}
		}
		for _, op := range []Op{OpEncrypt, OpDecrypt, OpRewrap} {
			items, err := ParseBatch(data, op)
			if err != nil {
				if items != nil {
					t.Fatalf("%s: items with an error", op)
				}
				checkErr(string(op), err, ErrInvalid)
				continue
			}
			if len(items) == 0 || len(items) > MaxBatch {
				t.Fatalf("%s: %d items", op, len(items))
			}
			for i, it := range items {
				switch {
				case it.Err != nil:
					checkErr(string(op)+" item "+strconv.Itoa(i), it.Err, ErrInvalid, ErrTooLarge)
				case it.Version < 0:
					t.Fatalf("%s item %d: version %d", op, i, it.Version)
				case op == OpEncrypt && it.Ciphertext != "":
					t.Fatalf("encrypt item %d has a ciphertext", i)
				case op != OpEncrypt && it.Plaintext != nil:
					t.Fatalf("%s item %d has a plaintext", op, i)
				case op == OpDecrypt && it.Version != 0:
					t.Fatalf("decrypt item %d has a version", i)
				}
			}
			throughEngine(t, op, items, checkErr)
		}
	})
}

// throughEngine runs parsed items through the fuzz key: each result is the
// item's parse error, an engine error for that item, or the round trip.
func throughEngine(t *testing.T, op Op, items []Item, checkErr func(string, error, ...error)) {
	t.Helper()
	ctx := context.Background()
	e := fuzzEngine(t)
	var rs, ds []Result
	var err error
	if op == OpEncrypt {
		rs, err = e.Encrypt(ctx, "fuzz", items)
	} else {
		ds, err = e.Decrypt(ctx, "fuzz", items)
		if err == nil && op == OpRewrap {
			rs, err = e.Rewrap(ctx, "fuzz", items)
		}
	}
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	for i, it := range items {
		what := string(op) + " item " + strconv.Itoa(i)
		var r Result
		if rs != nil {
			r = rs[i]
		} else {
			r = ds[i]
		}
		if r.Reference != it.Reference {
			t.Fatalf("%s: reference %q, want %q", what, r.Reference, it.Reference)
		}
		if it.Err != nil {
			if r.Err != it.Err {
				t.Fatalf("%s: result error %v, not the parse error %v", what, r.Err, it.Err)
			}
			continue
		}
		// What the item can get back: the plaintext it carries (encrypt) or
		// that its ciphertext decrypts to.
		var pt []byte
		switch {
		case op == OpEncrypt:
			pt = it.Plaintext
			var want error
			switch {
			case len(it.Context) > 0:
				want = ErrInvalid
			case it.Version > 1:
				want = ErrVersion
			}
			if want != nil {
				checkErr(what, r.Err, want)
				continue
			}
		case ds[i].Err != nil:
			checkErr(what+" decrypt", ds[i].Err, engineErrors...)
			if op == OpRewrap && r.Err == nil {
				t.Fatalf("%s: rewraps what does not decrypt", what)
			}
			continue
		case ds[i].Version != 1:
			t.Fatalf("%s: decrypted with version %d", what, ds[i].Version)
		case op == OpDecrypt:
			continue
		default: // rewrap of a ciphertext that decrypts
			pt = ds[i].Plaintext
			if it.Version > 1 {
				checkErr(what, r.Err, ErrVersion)
				continue
			}
		}
		if r.Err != nil || r.Version != 1 {
			t.Fatalf("%s: %+v", what, r)
		}
		back, err := first(e.Decrypt(ctx, "fuzz", []Item{{Ciphertext: r.Ciphertext}}))
		if err != nil || !bytes.Equal(back.Plaintext, pt) {
			t.Fatalf("%s: round trip gives %q, %v; want %q", what, back.Plaintext, err, pt)
		}
	}
}

// TestQuotedValue: the fuzz target's leak check finds a quoted value and
// lets through what errors may legitimately contain.
func TestQuotedValue(t *testing.T) {
	keys, values := jsonStrings([]byte(`[{"plaintext":"c2VjcmV0IHZhbHVl","nonceABCDEFGH1":"ABCDEFGH1","x\u0002ABCDEF":["QUJDREVGR0hJ"],` +
		`"y":{"z":"x02ABCDEF"}}] "U2Vjb25k"`))
	if !slices.Equal(keys, []string{"plaintext", "nonceABCDEFGH1", "x\x02ABCDEF", "y", "z"}) ||
		!slices.Equal(values, []string{"c2VjcmV0IHZhbHVl", "ABCDEFGH1", "QUJDREVGR0hJ", "x02ABCDEF", "U2Vjb25k"}) {
		t.Fatalf("keys %q, values %q", keys, values)
	}
	for msg, want := range map[string]string{
		"bad value c2VjcmV0IHZhbHVl here":             "c2VjcmV0IHZhbHVl",
		"nested QUJDREVGR0hJ":                         "QUJDREVGR0hJ",
		`json: unknown field "nonceABCDEFGH1"`:        "", // in a key's name
		`json: unknown field "x\x02ABCDEF"`:           "", // in a key's %q form
		"short U2Vjb25k (8 characters) is not looked": "",
		"the plaintext is over 32 MiB":                "",
	} {
		if got := quotedValue(msg, keys, values); got != want {
			t.Errorf("%q: %q, want %q", msg, got, want)
		}
	}
}
