// Package pki is Egide's PKI engine: a certificate authority a project
// runs itself, shaped like HashiCorp Vault's PKI engine.
//
// # CAs, roles, certificates
//
// Roots and intermediates ([Engine.CreateRoot], [Engine.CreateIntermediate])
// sign with ECDSA P-256/P-384, Ed25519 or RSA keys that never leave the
// engine. A [Role] limits what a CA issues: names (allowed domains,
// subdomains, localhost, IP SANs, URI patterns), server or client use, key
// type and TTL. [Engine.Issue] makes a key and a certificate; [Engine.Sign]
// certifies a CSR's key, which the engine never sees. Certificates follow
// RFC 5280's profiles: CA certificates with basicConstraints (critical,
// with the path length) and keyUsage certSign|cRLSign; leaves with
// digitalSignature, serverAuth and/or clientAuth, their SANs; every
// certificate with a random 128-bit serial and subject/authority key
// identifiers, and a notAfter never beyond its issuer's.
//
// # Revocation
//
// [Engine.Revoke] lists serials in their issuer's CRL and re-signs it
// before returning; CRLs carry a number and a nextUpdate ([CRLLifetime]).
// The stored CRL is the list of record: a revocation appends to its entry
// bytes rather than re-encoding every entry, so that it stays fast with a
// hundred thousand revoked serials. [Engine.Tidy] drops expired
// certificates from the index and the CRLs.
//
// # Storage and errors
//
// Everything lives in a [Storage] (the same interface as the transit
// engine's), which must keep values sealed at rest: CA records hold
// private keys. Every error wraps a sentinel of errors.go; refusals name
// the rule that refused.
package pki
