package repo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/egide/egide/repo/object"
	"github.com/egide/egide/repo/sqlite"
)

// Resolve returns the commit a REF names, relative to env: a commit id or a
// unique prefix of 4 or more hex digits, HEAD, or an environment's name,
// each optionally followed by ~N (N first-parent generations back) or ^.
// An environment's name wins over a commit-id prefix that spells the same.
func (r *Repository) Resolve(ctx context.Context, envName, ref string) (id object.ID, err error) {
	err = r.view(ctx, func(tx *sqlite.Tx) error {
		env, err := r.env(tx, envName)
		if err != nil {
			return err
		}
		id, err = r.resolve(tx, env, ref)
		return err
	})
	return id, err
}

func (r *Repository) resolve(tx *sqlite.Tx, env sqlite.Env, ref string) (object.ID, error) {
	base, back, err := splitRef(ref)
	if err != nil {
		return object.Zero, err
	}
	var id object.ID
	switch {
	case base == "HEAD":
		if id, err = r.head(tx, env.Name); err != nil {
			return id, err
		}
	default:
		if _, ok, err := tx.EnvByName(base); err != nil {
			return id, err
		} else if ok {
			if id, err = r.head(tx, base); err != nil {
				return id, err
			}
			break
		}
		if id, err = r.byPrefix(tx, base); err != nil {
			return id, err
		}
	}
	if back == 0 {
		return id, nil
	}
	anc, err := r.ancestor(tx, id, back)
	var nf *NotFoundError
	if errors.As(err, &nf) && nf.Name == "" {
		nf.Name = printable(ref)
	}
	return anc, err
}

func (r *Repository) head(tx *sqlite.Tx, env string) (object.ID, error) {
	id, ok, err := tx.Ref(refName(env))
	if err != nil {
		return id, err
	}
	if !ok {
		return id, &NotFoundError{What: "ref", Name: "HEAD", Env: env, Why: fmt.Sprintf("env %q has no commits yet", env)}
	}
	return id, nil
}

// splitRef splits "base~N" (or "base^^") into base and N.
func splitRef(ref string) (string, int, error) {
	bad := &InvalidError{What: "ref", Msg: fmt.Sprintf("invalid ref %q: want a commit id, HEAD or an environment, optionally followed by ~N", printable(ref))}
	base, back := ref, 0
	for strings.HasSuffix(base, "^") {
		base, back = base[:len(base)-1], back+1
	}
	if i := strings.IndexByte(base, '~'); i >= 0 {
		n := 1
		if s := base[i+1:]; s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 {
				return "", 0, bad
			}
			n = v
		}
		base, back = base[:i], back+n
	}
	if base == "" {
		return "", 0, bad
	}
	return base, back, nil
}

// byPrefix finds the one commit whose hex id starts with prefix.
func (r *Repository) byPrefix(tx *sqlite.Tx, prefix string) (object.ID, error) {
	p := strings.ToLower(prefix)
	if len(p) < 4 || len(p) > 2*object.Size || strings.Trim(p, "0123456789abcdef") != "" {
		return object.Zero, &NotFoundError{What: "ref", Name: printable(prefix), Why: "not HEAD, an environment, or a commit id of 4 or more hex digits"}
	}
	var lo, hi object.ID
	hex.Decode(lo[:], []byte((p + strings.Repeat("0", 64))[:64]))
	hex.Decode(hi[:], []byte((p + strings.Repeat("f", 64))[:64]))
	ids, err := tx.CommitsInRange(lo, hi, 2)
	if err != nil {
		return object.Zero, err
	}
	switch len(ids) {
	case 0:
		return object.Zero, &NotFoundError{What: "ref", Name: p, Why: "no commit id starts with it"}
	case 1:
		return ids[0], nil
	}
	return object.Zero, &InvalidError{What: "ref", Msg: fmt.Sprintf("commit id prefix %q is ambiguous: give more digits", p)}
}
