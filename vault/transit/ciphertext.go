package transit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// prefix starts every ciphertext, signature and HMAC, as in Vault.
const prefix = "vault:v"

// maxVersion bounds key versions (Vault stores them as int).
const maxVersion = 1<<31 - 1

// ErrMalformed reports a ciphertext that is not "vault:v<N>:<base64>".
var ErrMalformed = errors.New("malformed ciphertext")

// Ciphertext is a parsed "vault:v<N>:<base64>": the key version and the
// payload (for AES-GCM: the 12-byte nonce, then ciphertext and tag).
type Ciphertext struct {
	Version int
	Data    []byte
}

// ParseCiphertext parses s strictly: the prefix, a version from 1 without
// sign or leading zeros, a colon, and padded standard base64 without
// whitespace. Errors never quote s (it may be sensitive).
func ParseCiphertext(s string) (Ciphertext, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return Ciphertext{}, fmt.Errorf("%w: want vault:v<N>:<base64>", ErrMalformed)
	}
	ver, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return Ciphertext{}, fmt.Errorf("%w: no ':' after the version", ErrMalformed)
	}
	if ver == "" || ver[0] == '0' || strings.TrimLeft(ver, "0123456789") != "" {
		return Ciphertext{}, fmt.Errorf("%w: the version is not a number from 1", ErrMalformed)
	}
	n, err := strconv.Atoi(ver)
	if err != nil || n > maxVersion {
		return Ciphertext{}, fmt.Errorf("%w: the version is too large", ErrMalformed)
	}
	data, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(data) == 0 || strings.ContainsAny(b64, "\r\n") {
		return Ciphertext{}, fmt.Errorf("%w: the payload is not standard base64", ErrMalformed)
	}
	return Ciphertext{Version: n, Data: data}, nil
}

// String formats c as "vault:v<N>:<base64>".
func (c Ciphertext) String() string {
	return prefix + strconv.Itoa(c.Version) + ":" + base64.StdEncoding.EncodeToString(c.Data)
}
