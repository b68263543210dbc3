package realtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/egide/egide/vault/keyring"
)

// getenv is the process environment minus Egide's own variables, so that
// an identity or EGIDE_NO_KEYRING in the caller's shell cannot steer Load
// away from the keyring.
func getenv(k string) string {
	if strings.HasPrefix(k, "EGIDE_") {
		return ""
	}
	return os.Getenv(k)
}

func TestRealKeyring(t *testing.T) {
	ctx := context.Background()
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	o := keyring.Options{
		Getenv:  getenv,
		Service: "egide-realtest-" + hex.EncodeToString(rnd[:]),
		Timeout: 10 * time.Second, // the first call also connects to the bus
	}

	if ok, reason := keyring.KeyringStatus(ctx, o); !ok {
		if os.Getenv("EGIDE_REQUIRE_KEYRING") == "1" {
			t.Fatalf("no secret service available, and EGIDE_REQUIRE_KEYRING=1: %s", reason)
		}
		t.Skipf("no secret service available: %s (EGIDE_REQUIRE_KEYRING=1 makes this a failure)", reason)
	}
	// Leave nothing behind, even when a check below fails.
	t.Cleanup(func() { _ = keyring.Delete(context.Background(), o) })

	_, _, _, err := keyring.Load(ctx, o)
	var nie *keyring.NoIdentityError
	if !errors.As(err, &nie) || nie.KeyringReason != "" {
		t.Fatalf("Load from a fresh service: %v, want *NoIdentityError without a reason", err)
	}

	first, second := newSecret(t), newSecret(t)
	for _, secret := range []string{first, second} { // the second Store replaces the first
		loc, err := keyring.Store(ctx, o, secret)
		if err != nil {
			t.Fatalf("Store: %v", err)
		}
		if loc.Source != keyring.SourceKeyring || loc.Service != o.Service {
			t.Errorf("Store location = %+v", loc)
		}
		got, loc, warning, err := keyring.Load(ctx, o)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got != secret {
			t.Fatal("Load returned another secret than the one stored")
		}
		if loc.Source != keyring.SourceKeyring || warning != "" {
			t.Errorf("Load: location %+v, warning %q", loc, warning)
		}
	}

	if err := keyring.Delete(ctx, o); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, _, err := keyring.Load(ctx, o); !errors.As(err, &nie) || nie.KeyringReason != "" {
		t.Errorf("Load after Delete: %v, want *NoIdentityError without a reason", err)
	}
	if err := keyring.Delete(ctx, o); !errors.Is(err, keyring.ErrNoIdentity) {
		t.Errorf("second Delete: %v, want ErrNoIdentity", err)
	}
}

func newSecret(t *testing.T) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}
