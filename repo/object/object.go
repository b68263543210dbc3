package object

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrCorrupt means stored bytes are not a well-formed object.
var ErrCorrupt = errors.New("malformed object")

// Size of an object id in bytes.
const Size = sha256.Size

// ID identifies an object: SHA-256 of its stored bytes.
type ID [Size]byte

// Zero is the zero ID; it never names an object.
var Zero ID

// Hash returns the id of the stored bytes data.
func Hash(data []byte) ID { return sha256.Sum256(data) }

// String returns the id in lowercase hex.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 10 hex digits of the id.
func (id ID) Short() string { return id.String()[:10] }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == Zero }

// ParseID parses a full 64-digit hex id.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*Size {
		return id, fmt.Errorf("object id %q: want %d hex digits", s, 2*Size)
	}
	if _, err := hex.Decode(id[:], []byte(strings.ToLower(s))); err != nil {
		return id, fmt.Errorf("object id %q: not hex", s)
	}
	return id, nil
}

// Type is an object's kind.
type Type uint8

// Object types. Values are part of the format: never renumber.
const (
	TypeBlob   Type = 1 // one large value
	TypeTree   Type = 2 // a node of an environment's key tree
	TypeCommit Type = 3 // a signed commit
)

func (t Type) String() string {
	switch t {
	case TypeBlob:
		return "blob"
	case TypeTree:
		return "tree"
	case TypeCommit:
		return "commit"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// EnvSize is the size of an environment id.
const EnvSize = 16

// EnvID identifies an environment independently of its (renamable) name.
type EnvID [EnvSize]byte

// String returns the env id in hex.
func (e EnvID) String() string { return hex.EncodeToString(e[:]) }

const (
	magic   = "EGO"
	version = 1
	// MaxRefs bounds the references one object may carry.
	MaxRefs = 1 << 12
	// MaxSize bounds a stored object (a 128 KiB value plus headroom).
	MaxSize = 1 << 20
)

// Header is an object's clear, authenticated header.
type Header struct {
	Type  Type
	Env   EnvID
	Epoch uint32
	Refs  []ID
}

// Append appends the header's encoding to b.
func (h *Header) Append(b []byte) []byte {
	b = append(b, magic...)
	b = append(b, version, byte(h.Type))
	b = append(b, h.Env[:]...)
	b = binary.AppendUvarint(b, uint64(h.Epoch))
	b = binary.AppendUvarint(b, uint64(len(h.Refs)))
	for _, r := range h.Refs {
		b = append(b, r[:]...)
	}
	return b
}

// Decode splits stored object bytes into header and sealed body. The
// returned header bytes (data[:n]) are the seal's associated data.
func Decode(data []byte) (h Header, n int, err error) {
	if len(data) > MaxSize {
		return h, 0, fmt.Errorf("%w: %d bytes exceeds the %d-byte limit", ErrCorrupt, len(data), MaxSize)
	}
	if len(data) < len(magic)+2+EnvSize+2 || string(data[:len(magic)]) != magic {
		return h, 0, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	p := len(magic)
	if data[p] != version {
		return h, 0, fmt.Errorf("%w: unknown version %d", ErrCorrupt, data[p])
	}
	h.Type = Type(data[p+1])
	if h.Type < TypeBlob || h.Type > TypeCommit {
		return h, 0, fmt.Errorf("%w: unknown type %d", ErrCorrupt, data[p+1])
	}
	p += 2
	copy(h.Env[:], data[p:p+EnvSize])
	p += EnvSize
	epoch, k := Uvarint(data[p:])
	if k <= 0 || epoch == 0 || epoch > 1<<31 {
		return h, 0, fmt.Errorf("%w: bad epoch", ErrCorrupt)
	}
	h.Epoch = uint32(epoch)
	p += k
	nrefs, k := Uvarint(data[p:])
	if k <= 0 || nrefs > MaxRefs || uint64(len(data)-p-k) < nrefs*Size {
		return h, 0, fmt.Errorf("%w: bad reference count", ErrCorrupt)
	}
	p += k
	if nrefs > 0 {
		h.Refs = make([]ID, nrefs)
		for i := range h.Refs {
			copy(h.Refs[i][:], data[p:p+Size])
			p += Size
		}
	}
	return h, p, nil
}

// Uvarint decodes a minimally encoded uvarint, so that every encoding in
// Egide's formats is unique; it returns k <= 0 for anything else.
func Uvarint(b []byte) (uint64, int) {
	v, k := binary.Uvarint(b)
	// A longer-than-needed encoding ends in a zero byte (0x80 0x00 for 0).
	if k > 1 && b[k-1] == 0 {
		return 0, -1
	}
	return v, k
}
