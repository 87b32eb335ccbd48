// Package idaschema checks a verified_claims value against the JSON schema
// of OpenID Identity Assurance Schema Definition 1.0 (OpenID Connect for
// Identity Assurance). It is meant for tests: the end-to-end suites decode
// the verified_claims member of an ID token or userinfo response and call
// ValidateVerifiedClaims on it.
//
// The schema is verified_claims.json in this directory, embedded at build
// time; schema/oidc4ida/README.md says where it comes from.
package idaschema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed verified_claims.json
var schemaJSON []byte

// schemaID is the $id of verified_claims.json.
const schemaID = "urn:dinhdanh:schema:oidc4ida:verified_claims"

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	compileErr  error
)

// SchemaJSON returns the embedded schema document.
func SchemaJSON() []byte {
	return bytes.Clone(schemaJSON)
}

func schema() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compileErr = fmt.Errorf("idaschema: parse embedded schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		// "format": "date" is checked, not only noted.
		c.AssertFormat()
		if err := c.AddResource(schemaID, doc); err != nil {
			compileErr = fmt.Errorf("idaschema: load embedded schema: %w", err)
			return
		}
		compiled, compileErr = c.Compile(schemaID)
		if compileErr != nil {
			compileErr = fmt.Errorf("idaschema: compile embedded schema: %w", compileErr)
		}
	})
	return compiled, compileErr
}

// ValidateVerifiedClaims reports whether doc, the value of a verified_claims
// member (one object or an array of them), conforms to the schema. It
// returns nil when it does; otherwise the error wraps a
// *jsonschema.ValidationError that names every failing location.
//
// doc is normally what encoding/json decoded into an any. Any other value
// that encoding/json can marshal (a struct, a map[string]string,
// json.RawMessage) is accepted too: it is marshalled and decoded again
// first. A []byte is not raw JSON here (encoding/json makes it a base64
// string); wrap raw bytes in json.RawMessage.
func ValidateVerifiedClaims(doc any) error {
	s, err := schema()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("idaschema: verified_claims is not JSON: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("idaschema: verified_claims is not JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("verified_claims does not conform to the OIDC4IDA schema: %w", err)
	}
	return nil
}
