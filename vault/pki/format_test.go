package pki

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestParseTTL(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"10y":    10 * 365 * day,
		"1y":     365 * day,
		"100y":   MaxTTL,
		"90d":    90 * day,
		"0090d":  90 * day,
		"36h":    36 * time.Hour,
		"1h30m":  90 * time.Minute,
		"45m":    45 * time.Minute,
		"1s":     time.Second,
		"1.5h":   90 * time.Minute,
		"8760h":  365 * day,
		"36500d": MaxTTL,
	} {
		if got, err := ParseTTL(in); err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "10", "d", "y", "0d", "0s", "999ms", "-1h", "-5d", "+5d", "101y", "36501d", "876001h",
		"1x", "5 d", " 5d", "5d ", "1.5d", "1e3d", "0x10d", "1_0d", "99999999999d", "18446744073709551617y",
		strings.Repeat("1", 33) + "s",
	} {
		if got, err := ParseTTL(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTTL(%q) = %s, %v; want ErrInvalid", in, got, err)
		}
	}
}

func TestFormatTTL(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		10 * 365 * day:               "10y",
		400 * day:                    "400d",
		90 * day:                     "90d",
		36 * time.Hour:               "36h",
		24 * time.Hour:               "1d",
		90 * time.Minute:             "1h30m",
		45 * time.Minute:             "45m",
		90 * time.Second:             "1m30s",
		time.Second:                  "1s",
		time.Hour + time.Millisecond: "1h0m0.001s",
	} {
		if got := FormatTTL(d); got != want {
			t.Errorf("FormatTTL(%s) = %q, want %q", d, got, want)
		}
		if back, err := ParseTTL(FormatTTL(d)); err != nil || back != d {
			t.Errorf("ParseTTL(FormatTTL(%s)) = %s, %v", d, back, err)
		}
	}
}

func TestSerialForms(t *testing.T) {
	want := big.NewInt(0x3fa019)
	for _, in := range []string{"3f:a0:19", "3F:A0:19", "3fa019", "3FA019", "0x3fa019", "0X3FA019", " 3fa019\n", "003fa019", "3:fa:019"} {
		if got, err := ParseSerial(in); err != nil || got.Cmp(want) != 0 {
			t.Errorf("ParseSerial(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseSerial("f"); err != nil || got.Int64() != 15 {
		t.Errorf("ParseSerial(f) = %v, %v", got, err)
	}
	longest := strings.Repeat("ff", 20)
	if _, err := ParseSerial(longest); err != nil {
		t.Errorf("a 20-octet serial: %v", err)
	}
	for _, in := range []string{"", "0", "00", "00:00", "0x", ":", "zz", "3f:g0", "3f a0", "3f-a0-19", "-3f", longest + "ff", "\x003f"} {
		if got, err := ParseSerial(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSerial(%q) = %v, %v; want ErrInvalid", in, got, err)
		} else if hasControl(err.Error()) {
			t.Errorf("ParseSerial(%q): message %q has control characters", in, err)
		}
	}

	for _, tc := range []struct {
		n    *big.Int
		want string
	}{
		{big.NewInt(1), "01"},
		{big.NewInt(0x3fa019), "3f:a0:19"},
		{new(big.Int).Lsh(big.NewInt(1), 127), "80:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"},
	} {
		got := FormatSerial(tc.n)
		if got != tc.want {
			t.Errorf("FormatSerial(%x) = %q, want %q", tc.n, got, tc.want)
		}
		if back, err := ParseSerial(got); err != nil || back.Cmp(tc.n) != 0 {
			t.Errorf("ParseSerial(%q) = %v, %v", got, back, err)
		}
	}
}

func TestParseReason(t *testing.T) {
	for in, want := range map[string]int{
		"":                     ReasonUnspecified,
		"unspecified":          ReasonUnspecified,
		"keyCompromise":        ReasonKeyCompromise,
		"KEYCOMPROMISE":        ReasonKeyCompromise,
		"cACompromise":         ReasonCACompromise,
		"affiliationChanged":   ReasonAffiliationChanged,
		"superseded":           ReasonSuperseded,
		"cessationOfOperation": ReasonCessationOfOperation,
		"privilegeWithdrawn":   ReasonPrivilegeWithdrawn,
		"aACompromise":         ReasonAACompromise,
	} {
		if got, err := ParseReason(in); err != nil || got != want {
			t.Errorf("ParseReason(%q) = %d, %v; want %d", in, got, err, want)
		}
		if in != "" && !strings.EqualFold(ReasonName(want), in) {
			t.Errorf("ReasonName(%d) = %q, want %q", want, ReasonName(want), in)
		}
	}
	for _, in := range []string{"certificateHold", "removeFromCRL", "key compromise", "1", "bogus\x00"} {
		if _, err := ParseReason(in); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "keyCompromise") || hasControl(err.Error()) {
			t.Errorf("ParseReason(%q): %v", in, err)
		}
	}
	if got := ReasonName(99); got != "reason(99)" {
		t.Errorf("ReasonName(99) = %q", got)
	}
}
