// Package identity is the domain of dinhdanh: citizens, accounts and their
// credentials, OAuth clients, consent grants, browser sessions and pending
// authorization interactions. It knows nothing of HTTP or SQL; it declares
// the small storage interfaces it needs and storage/ implements them.
package identity
