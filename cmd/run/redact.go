package run

import (
	"bytes"
	"io"
	"sort"
	"sync"

	"github.com/egide/egide/repo"
)

// minRedact is the shortest value --redact replaces: shorter ones ("1",
// "on") would shred ordinary output.
const minRedact = 4

// redactor writes to w what it is given, with every occurrence of a secret
// value replaced by [REDACTED:KEY]. A value split across writes is still
// found: bytes that could be the start of a value are held back until the
// next write shows whether they are (or until Flush). Longer values win
// over shorter ones that start at the same byte. It is safe for concurrent
// use.
type redactor struct {
	mu      sync.Mutex
	w       io.Writer
	byFirst [256][]secret // candidates by first byte, longest first
	maxLen  int
	pending []byte
}

type secret struct {
	value []byte
	label []byte
}

func newRedactor(w io.Writer, entries []repo.Entry) *redactor {
	r := &redactor{w: w}
	for _, e := range entries {
		if len(e.Value) < minRedact {
			continue
		}
		s := secret{value: []byte(e.Value), label: []byte("[REDACTED:" + e.Key + "]")}
		r.byFirst[s.value[0]] = append(r.byFirst[s.value[0]], s)
		r.maxLen = max(r.maxLen, len(s.value))
	}
	for i := range r.byFirst {
		c := r.byFirst[i]
		sort.SliceStable(c, func(a, b int) bool { return len(c[a].value) > len(c[b].value) })
	}
	return r
}

// Write redacts p (with what was held back) and writes what is certain.
func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, p...)
	if err := r.drain(false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what was held back; no more input will complete a value.
func (r *redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drain(true)
}

func (r *redactor) drain(final bool) error {
	var out bytes.Buffer
	p := r.pending
	i, start := 0, 0
	for i < len(p) {
		cands := r.byFirst[p[i]]
		if len(cands) == 0 {
			i++
			continue
		}
		matched, partial := false, false
		for _, s := range cands {
			rest := p[i:]
			if len(rest) >= len(s.value) {
				if bytes.Equal(rest[:len(s.value)], s.value) {
					out.Write(p[start:i])
					out.Write(s.label)
					i += len(s.value)
					start = i
					matched = true
					break
				}
			} else if !final && bytes.HasPrefix(s.value, rest) {
				// A longer value may still match here once more input
				// comes: wait, rather than take a shorter one now.
				partial = true
				break
			}
		}
		if matched {
			continue
		}
		if partial {
			// p[i:] may be the start of a value: keep it for the next write.
			break
		}
		i++
	}
	if i >= len(p) {
		i = len(p)
	}
	out.Write(p[start:i])
	r.pending = append(r.pending[:0], p[i:]...)
	if out.Len() == 0 {
		return nil
	}
	_, err := r.w.Write(out.Bytes())
	return err
}
