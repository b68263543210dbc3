// Package transit is Egide's transit engine: encryption as a service over
// named, versioned keys, shaped like HashiCorp Vault's transit engine so
// that its ciphertexts and tools carry over.
//
// This package is being built (issue #6). So far it holds the ciphertext
// format: "vault:v<N>:<base64>", where N is the key version that produced
// the standard-base64 payload.
package transit
