package transit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxBatch bounds the items of one batch.
const MaxBatch = 100000

// Op is a batch operation.
type Op string

// The batch operations.
const (
	OpEncrypt Op = "encrypt"
	OpDecrypt Op = "decrypt"
	OpRewrap  Op = "rewrap"
)

// BatchItem is one batch input item as JSON carries it, with Vault's field
// names: plaintext and context are standard base64.
type BatchItem struct {
	Plaintext  *string `json:"plaintext,omitempty"`
	Ciphertext *string `json:"ciphertext,omitempty"`
	Context    string  `json:"context,omitempty"`
	KeyVersion int     `json:"key_version,omitempty"`
	Reference  string  `json:"reference,omitempty"`
}

// BatchResult is one batch output item as JSON carries it. Exactly one of
// the data fields or Error is set.
type BatchResult struct {
	Ciphertext string  `json:"ciphertext,omitempty"`
	Plaintext  *string `json:"plaintext,omitempty"` // standard base64
	KeyVersion int     `json:"key_version,omitempty"`
	Reference  string  `json:"reference,omitempty"`
	Error      string  `json:"error,omitempty"`
}

// ParseBatch decodes a JSON array of batch items for op. A document that is
// not such an array (bad JSON, unknown fields, no items, more than
// MaxBatch) is an error for the whole batch; an item that is wrong on its
// own (bad base64, a field op does not take) gets Item.Err, and the engine
// reports it in that item's Result without touching the others. Errors
// never quote values (an unknown field's name is named).
func ParseBatch(data []byte, op Op) ([]Item, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw []BatchItem
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: batch: %s", ErrInvalid, jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: batch: data after the JSON array", ErrInvalid)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: batch: no items (want a JSON array of objects)", ErrInvalid)
	}
	if len(raw) > MaxBatch {
		return nil, fmt.Errorf("%w: batch: %d items, at most %d", ErrInvalid, len(raw), MaxBatch)
	}
	items := make([]Item, len(raw))
	for i, r := range raw {
		it := &items[i]
		it.Reference = r.Reference
		it.Version = r.KeyVersion
		it.Err = r.decode(it, op)
	}
	return items, nil
}

func (r *BatchItem) decode(it *Item, op Op) error {
	var err error
	if r.Context != "" {
		if it.Context, err = base64.StdEncoding.Strict().DecodeString(r.Context); err != nil {
			return fmt.Errorf("%w: context is not standard base64", ErrInvalid)
		}
	}
	if r.KeyVersion < 0 {
		return fmt.Errorf("%w: key_version is negative", ErrInvalid)
	}
	switch op {
	case OpEncrypt:
		if r.Plaintext == nil || r.Ciphertext != nil {
			return fmt.Errorf("%w: encrypt items take \"plaintext\" (base64) and no \"ciphertext\"", ErrInvalid)
		}
		if base64.StdEncoding.DecodedLen(len(*r.Plaintext)) > MaxPlaintext+3 {
			return fmt.Errorf("%w: the plaintext is over %d MiB", ErrTooLarge, MaxPlaintext>>20)
		}
		if it.Plaintext, err = base64.StdEncoding.Strict().DecodeString(*r.Plaintext); err != nil {
			return fmt.Errorf("%w: plaintext is not standard base64", ErrInvalid)
		}
	default:
		if r.Ciphertext == nil || r.Plaintext != nil {
			return fmt.Errorf("%w: %s items take \"ciphertext\" and no \"plaintext\"", ErrInvalid, op)
		}
		if op == OpDecrypt && r.KeyVersion != 0 {
			return fmt.Errorf("%w: decrypt items take no key_version (the ciphertext names it)", ErrInvalid)
		}
		it.Ciphertext = *r.Ciphertext
	}
	return nil
}

// jsonProblem describes a JSON decoding error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q has the wrong type (at byte %d)", typ.Field, typ.Offset)
		}
		return "want a JSON array of objects"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	}
	// Unknown fields: encoding/json says `json: unknown field "name"`;
	// the name is the caller's own field name, not a value.
	return "want a JSON array of objects with plaintext/ciphertext, context, key_version, reference (" + err.Error() + ")"
}

// Results turns op's engine results into their JSON form; failed counts
// the items with an error.
func Results(op Op, rs []Result) (out []BatchResult, failed int) {
	out = make([]BatchResult, len(rs))
	for i, r := range rs {
		o := &out[i]
		o.Reference = r.Reference
		if r.Err != nil {
			o.Error = r.Err.Error()
			failed++
			continue
		}
		o.Ciphertext = r.Ciphertext
		o.KeyVersion = r.Version
		if op == OpDecrypt {
			p := base64.StdEncoding.EncodeToString(r.Plaintext)
			o.Plaintext = &p
		}
	}
	return out, failed
}
