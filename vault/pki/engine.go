package pki

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Engine is the PKI engine over one Storage. Its methods are safe for
// concurrent use; it keeps nothing between calls but its options.
type Engine struct {
	st  Storage
	now func() time.Time
}

// Options configure an Engine.
type Options struct {
	// Now is the clock for validity periods and revocation times
	// (time.Now when nil).
	Now func() time.Time
}

// New returns an Engine that keeps its state in st.
func New(st Storage, o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Engine{st: st, now: o.Now}
}

// MaxNameLen bounds CA and role names.
const MaxNameLen = 128

// ValidateName checks a CA or role name: 1 to 128 ASCII letters, digits,
// '.', '_' and '-', starting with a letter or digit. Names are safe to
// print and to use in file names.
func ValidateName(kind, name string) error {
	ok := name != "" && len(name) <= MaxNameLen
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return fmt.Errorf("%w: %s names are 1 to %d letters, digits, '.', '_' and '-', starting with a letter or digit", ErrInvalid, kind, MaxNameLen)
	}
	return nil
}

// recordFormat is the version of every stored JSON record.
const recordFormat = 1

// getJSON reads and decodes the record at key; ok is false when absent.
func (e *Engine) getJSON(ctx context.Context, key string, v any) (ok bool, err error) {
	b, ok, err := e.st.Get(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	if err := decodeRecord(b, v); err != nil {
		return false, fmt.Errorf("%s: %w", key, err)
	}
	return true, nil
}

// decodeRecord decodes a stored JSON record and checks its format.
func decodeRecord(b []byte, v any) error {
	var head struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if head.Format != recordFormat {
		return fmt.Errorf("%w: record format %d (this egide reads %d; upgrade egide)", ErrCorrupt, head.Format, recordFormat)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}

// create stores v at key, which must be free (ErrExists otherwise, naming
// what).
func (e *Engine) create(ctx context.Context, key, what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.st.Update(ctx, key, func(_ []byte, ok bool) ([]byte, bool, error) {
		if ok {
			return nil, false, fmt.Errorf("%s: %w", what, ErrExists)
		}
		return b, true, nil
	})
}

// config is the engine's settings record.
type config struct {
	Format int `json:"format"`
	// DefaultIssuer is the CA that roles created without --issuer use.
	DefaultIssuer string `json:"default_issuer,omitempty"`
}

func (e *Engine) config(ctx context.Context) (config, error) {
	var c config
	_, err := e.getJSON(ctx, configKey, &c)
	return c, err
}

// setDefaultIssuer makes name the default issuer; with onlyIfUnset, only
// when there is none yet.
func (e *Engine) setDefaultIssuer(ctx context.Context, name string, onlyIfUnset bool) error {
	return e.st.Update(ctx, configKey, func(cur []byte, ok bool) ([]byte, bool, error) {
		c := config{Format: recordFormat}
		if ok {
			if err := decodeRecord(cur, &c); err != nil {
				return nil, false, err
			}
		}
		if onlyIfUnset && c.DefaultIssuer != "" {
			return cur, true, nil
		}
		c.DefaultIssuer = name
		b, err := json.Marshal(c)
		return b, true, err
	})
}

// SetDefaultIssuer makes the named CA the one roles use when created
// without an issuer.
func (e *Engine) SetDefaultIssuer(ctx context.Context, name string) error {
	if _, err := e.loadCA(ctx, name); err != nil {
		return err
	}
	return e.setDefaultIssuer(ctx, name, false)
}
