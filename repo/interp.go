package repo

import (
	"fmt"
	"strings"
)

// RefError reports a reference between secrets that cannot be resolved: a
// cycle (Keys lists it, in order) or a reference to a missing key (Keys is
// the referring key and the missing one). It never holds a value.
type RefError struct {
	Cycle bool
	Keys  []string
}

func (e *RefError) Error() string {
	if e.Cycle {
		return fmt.Sprintf("secrets refer to each other in a cycle: %s", strings.Join(e.Keys, " → "))
	}
	return fmt.Sprintf("%s refers to ${%s}, which is not set (use ${%s:-default} for a fallback)", e.Keys[0], e.Keys[1], e.Keys[1])
}

// Unwrap returns ErrInvalid.
func (e *RefError) Unwrap() error { return ErrInvalid }

// ResolveRefs expands references between the values of entries: ${KEY} is
// KEY's (resolved) value and ${KEY:-default} falls back to default (itself
// expanded) when KEY is unset or empty; $${ is a literal "${". Only the
// braced forms are references, so a value such as "pa$word" is left alone.
// It returns new entries in the same order, or a *RefError naming the keys
// of a cycle or of a missing reference. Values are never in errors.
func ResolveRefs(entries []Entry) ([]Entry, error) {
	needs := false
	for _, e := range entries {
		if strings.Contains(e.Value, "${") {
			needs = true
			break
		}
	}
	if !needs {
		return entries, nil
	}
	byName := make(map[string]int, len(entries))
	for i, e := range entries {
		byName[e.Key] = i
	}
	out := make([]Entry, len(entries))
	copy(out, entries)
	const (
		todo = iota
		active
		done
	)
	state := make([]int, len(entries))
	var stack []string
	var resolve func(i int) error
	resolve = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case active:
			start := 0
			for j, k := range stack {
				if k == entries[i].Key {
					start = j
				}
			}
			cycle := append(append([]string{}, stack[start:]...), entries[i].Key)
			return &RefError{Cycle: true, Keys: cycle}
		}
		state[i] = active
		stack = append(stack, entries[i].Key)
		v, err := expandRefs(entries[i].Key, entries[i].Value, func(name string) (string, bool, error) {
			j, ok := byName[name]
			if !ok {
				return "", false, nil
			}
			if err := resolve(j); err != nil {
				return "", false, err
			}
			return out[j].Value, true, nil
		})
		if err != nil {
			return err
		}
		out[i].Value = v
		stack = stack[:len(stack)-1]
		state[i] = done
		return nil
	}
	for i := range entries {
		if err := resolve(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// expandRefs expands the references in v, a value of key.
func expandRefs(key, v string, lookup func(string) (string, bool, error)) (string, error) {
	if !strings.Contains(v, "${") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if strings.HasPrefix(v[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(v[i:], "${") {
			b.WriteByte(v[i])
			i++
			continue
		}
		end := closingBraceAt(v, i+2)
		if end < 0 {
			return "", &InvalidError{What: "value", Msg: fmt.Sprintf("value of %s has an unclosed ${ (write $${ for a literal one)", key)}
		}
		inner := v[i+2 : end]
		name, def, hasDef := strings.Cut(inner, ":-")
		if ValidateKey(name) != nil {
			return "", &InvalidError{What: "value", Msg: fmt.Sprintf("value of %s has a reference ${…} whose name is not a key name (write $${ for a literal one)", key)}
		}
		val, ok, err := lookup(name)
		if err != nil {
			return "", err
		}
		switch {
		case ok && val != "":
			b.WriteString(val)
		case hasDef:
			d, err := expandRefs(key, def, lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(d)
		case ok:
		default:
			return "", &RefError{Keys: []string{key, name}}
		}
		i = end + 1
	}
	return b.String(), nil
}

// closingBraceAt returns the index of the brace closing a reference whose
// body starts at i, counting nested ${…} in defaults; -1 if none.
func closingBraceAt(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch {
		case strings.HasPrefix(v[i:], "${"):
			depth++
			i++
		case v[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
