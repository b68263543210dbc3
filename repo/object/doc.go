// Package object defines Egide's stored object format: a clear header
// followed by a sealed body.
//
// # Format (version 1)
//
//	object  = header ‖ sealed
//	header  = magic "EGO" ‖ version 0x01 ‖ type (1 byte) ‖ env (16 bytes)
//	          ‖ epoch (uvarint) ‖ nrefs (uvarint) ‖ nrefs × id (32 bytes each)
//	sealed  = nonce (24 bytes) ‖ XChaCha20-Poly1305 ciphertext ‖ tag (16 bytes)
//
// The header is the associated data of the seal, so moving a body to another
// header (another environment, epoch, type or set of references) fails
// authentication. The object id is SHA-256 of the whole stored bytes: anyone
// can check an object's integrity and compute reachability from the header's
// references without any key, and nobody without the environment key learns
// anything about the body. What a header reveals is deliberately limited to
// the type, the environment id, the epoch and the referenced ids.
package object
