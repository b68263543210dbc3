// Package transit holds 'egide transit': the transit engine
// (vault/transit) over the project repository. Keys live sealed in the
// repository (repo.EngineStore, which satisfies transit.Storage); every
// command opens the repository, runs one engine call and prints.
package transit
