// Package agekey checks age X25519 secret keys the way age parses them,
// without the key derivation age does while parsing.
package agekey

import "strings"

// bech32Charset is BIP 173's alphabet of 5-bit values.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// Valid reports whether s is an age X25519 secret key that
// age.ParseX25519Identity accepts: bech32 (BIP 173) with the
// human-readable part "AGE-SECRET-KEY-", a valid checksum and a 32-byte
// payload. It checks what age checks, rule for rule, without deriving the
// public key (two X25519 multiplications, ~0.1 ms cold, which a read
// through a key stamp never needs). FuzzValid holds it to age.
func Valid(s string) bool {
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return false // mixed case
	}
	pos := strings.LastIndex(s, "1")
	if pos < 1 || pos+7 > len(s) {
		return false
	}
	hrp := s[:pos]
	if hrp != "AGE-SECRET-KEY-" {
		return false
	}
	data := make([]byte, 0, len(s)-pos-1)
	for _, c := range s[pos+1:] {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		d := strings.IndexRune(bech32Charset, c)
		if d < 0 {
			return false
		}
		data = append(data, byte(d))
	}
	if len(data) < 6 || bech32Polymod(hrp, data) != 1 {
		return false
	}
	n, ok := bech32PayloadLen(data[:len(data)-6])
	return ok && n == 32
}

// bech32Polymod is BIP 173's checksum over the expanded, lower-cased
// human-readable part and the data; 1 means valid.
func bech32Polymod(hrp string, data []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	step := func(v byte) {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range gen {
			if top>>i&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	h := strings.ToLower(hrp)
	for i := 0; i < len(h); i++ {
		step(h[i] >> 5)
	}
	step(0)
	for i := 0; i < len(h); i++ {
		step(h[i] & 31)
	}
	for _, v := range data {
		step(v)
	}
	return chk
}

// bech32PayloadLen returns how many bytes the 5-bit groups in data carry,
// rejecting what BIP 173's 5-to-8-bit conversion without padding rejects:
// a full group of padding, or padding bits that are not zero.
func bech32PayloadLen(data []byte) (int, bool) {
	var acc uint32
	bits, n := 0, 0
	for _, v := range data {
		acc = acc<<5 | uint32(v)
		bits += 5
		for bits >= 8 {
			bits -= 8
			n++
		}
	}
	if bits >= 5 || acc<<(8-bits)&0xff != 0 {
		return 0, false
	}
	return n, true
}
